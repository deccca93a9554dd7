package main

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// Encryption runs in the plugin: bulk bytes never cross the extism
// boundary, and the host has no notion of keys, so the plugin reads the
// plaintext and writes the ciphertext with WASI file I/O (guest memory
// copies, not host calls), into the granted temp folder, then asks the host
// to upload that file. The runner mounts the plugin's granted local folders
// into WASI; a source or temp_dir outside them fails at once with a clear error.

type sealed struct {
	path      string
	plainSHA1 string
	plainSize int64
}

func tempName(dir, suffix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.TrimSuffix(dir, "/") + "/.wdbk-" + hex.EncodeToString(b[:]) + suffix
}

func removeTemp(p string) { _ = os.Remove(p) }

// sealFile encrypts src into a new temp file and hashes the plaintext.
func sealFile(s *settings, src string) (*sealed, error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("encrypt: open %s: %w (encryption reads files through WASI: the runner must mount the source)", src, err)
	}
	defer in.Close()
	dst := tempName(s.TempDir, ".enc")
	out, err := os.Create(dst)
	if err != nil {
		return nil, fmt.Errorf("encrypt: create temp file in %s: %w", s.TempDir, err)
	}
	ok := false
	defer func() {
		out.Close()
		if !ok {
			os.Remove(dst)
		}
	}()
	w, err := s.keys.NewWriter(out)
	if err != nil {
		return nil, err
	}
	h := sha1.New()
	n, err := io.CopyBuffer(io.MultiWriter(w, h), in, make([]byte, 256<<10))
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", src, err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: write %s: %w", dst, err)
	}
	ok = true
	return &sealed{path: dst, plainSHA1: strings.ToUpper(hex.EncodeToString(h.Sum(nil))), plainSize: n}, nil
}

// openFile decrypts the ciphertext file src into a temp file beside dst
// and renames it onto dst only if the plaintext's SHA-1 is want ("": any);
// it returns the plaintext size.
func openFile(s *settings, src, dst, want string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, fmt.Errorf("decrypt: %w", err)
	}
	defer in.Close()
	r, err := s.keys.NewReader(in)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dirOf(dst), 0o755); err != nil {
		return 0, fmt.Errorf("decrypt: %w", err)
	}
	tmp := dst + ".wdpart"
	out, err := os.Create(tmp)
	if err != nil {
		return 0, fmt.Errorf("decrypt: %w", err)
	}
	h := sha1.New()
	n, err := io.CopyBuffer(io.MultiWriter(out, h), r, make([]byte, 256<<10))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	sum := strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
	if err == nil && want != "" && !strings.EqualFold(sum, want) {
		err = fmt.Errorf("SHA-1 mismatch after decryption: got %s, manifest has %s; the local file was left as it was", sum, want)
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("decrypt into %s: %w", dst, err)
	}
	return n, nil
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "/"
}

// checkWASI fails fast, with the reason, when encryption cannot reach the
// folders it needs through WASI.
func checkWASI(dirs ...string) error {
	for _, d := range dirs {
		if _, err := os.Stat(d); err != nil {
			return fmt.Errorf("client-side encryption reads and writes files through WASI, but %s is not visible in the plugin's sandbox (%v): the runner must mount the plugin's local grants into WASI", d, err)
		}
	}
	return nil
}
