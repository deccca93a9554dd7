package openapi

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// EmptySHA1 is the content_hash of an empty file.
const EmptySHA1 = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"

// ProofOffset is where the 8 proof bytes of a file of size bytes start for
// accessToken: the first 8 bytes of md5(accessToken), big-endian, modulo
// size, in exact unsigned 64-bit arithmetic (0 for an empty file).
func ProofOffset(accessToken string, size int64) int64 {
	if size <= 0 {
		return 0
	}
	sum := md5.Sum([]byte(accessToken))
	n := binary.BigEndian.Uint64(sum[:8])
	return int64(n % uint64(size))
}

// ProofCode computes proof_code (proof_version "v1") for rapid upload:
// base64 of the bytes [offset, min(offset+8, size)) of the content, where
// offset = ProofOffset(accessToken, size). An empty file gives "".
func ProofCode(accessToken string, r io.ReaderAt, size int64) (string, error) {
	if size <= 0 {
		return "", nil
	}
	off := ProofOffset(accessToken, size)
	end := min(off+8, size)
	buf := make([]byte, end-off)
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		err = nil
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", fmt.Errorf("openapi: read proof bytes at %d: %w", off, err)
	}
	return base64.StdEncoding.EncodeToString(buf), nil
}

// PreHash is pre_hash: the upper-case hex SHA-1 of the first PreHashSize
// bytes of the content (all of it when shorter).
func PreHash(r io.ReaderAt, size int64) (string, error) {
	n := min(size, PreHashSize)
	buf := make([]byte, n)
	got, err := r.ReadAt(buf, 0)
	if int64(got) == n {
		err = nil
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", fmt.Errorf("openapi: read first %d bytes for pre_hash: %w", n, err)
	}
	return PreHashBytes(buf), nil
}

// PreHashBytes is PreHash of content already in memory (only the first
// PreHashSize bytes are used).
func PreHashBytes(b []byte) string {
	if len(b) > PreHashSize {
		b = b[:PreHashSize]
	}
	s := sha1.Sum(b)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// NormalizeHash returns a hex hash in upper case with surrounding space
// removed; hashes are compared case-insensitively by normalizing both.
func NormalizeHash(h string) string { return strings.ToUpper(strings.TrimSpace(h)) }

// PartSize is the part size to use for a file of size bytes: want (or
// DefaultPartSize when want <= 0), grown to a multiple of 1 MiB when needed
// so that the file has at most MaxParts parts.
func PartSize(size, want int64) int64 {
	if want <= 0 {
		want = DefaultPartSize
	}
	if size <= want*MaxParts {
		return want
	}
	const mib = 1 << 20
	min := (size + MaxParts - 1) / MaxParts
	return (min + mib - 1) / mib * mib
}

// PartCount is the number of parts of a file of size bytes cut in parts of
// partSize bytes; an empty file has one (empty) part.
func PartCount(size, partSize int64) int {
	if size <= 0 || partSize <= 0 {
		return 1
	}
	return int((size + partSize - 1) / partSize)
}

// PartRange is the byte range [off, off+n) of the 1-based part number of a
// file of size bytes cut in parts of partSize bytes.
func PartRange(part int, size, partSize int64) (off, n int64) {
	off = int64(part-1) * partSize
	n = min(partSize, size-off)
	if n < 0 {
		n = 0
	}
	return off, n
}

// PartInfoList asks for parts first..last (1-based, inclusive).
func PartInfoList(first, last int) []PartInfo {
	if last < first {
		return nil
	}
	l := make([]PartInfo, 0, last-first+1)
	for i := first; i <= last; i++ {
		l = append(l, PartInfo{PartNumber: i})
	}
	return l
}
