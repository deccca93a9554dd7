package local

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"os"
	"path/filepath"
	"testing"
)

// TestHashRange checks that hashRange (mapped on Linux) and readHash hash
// exactly the asked bytes, at page-aligned and unaligned offsets.
func TestHashRange(t *testing.T) {
	content := make([]byte, 3<<20+123)
	rand.Read(content)
	p := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		name   string
		off, n int64
	}{
		{"whole file", 0, int64(len(content))},
		{"aligned part", 1 << 20, 1 << 20},
		{"unaligned start", 10<<10 + 7, 1<<20 + 5},
		{"tail", 3 << 20, 123},
		{"one byte", 4095, 1},
		{"empty", 100, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := sha1.Sum(content[c.off : c.off+c.n])
			for fn, hashIt := range map[string]func() ([]byte, error){
				"hashRange": func() ([]byte, error) { h := sha1.New(); err := hashRange(h, f, c.off, c.n); return h.Sum(nil), err },
				"readHash":  func() ([]byte, error) { h := sha1.New(); err := readHash(h, f, c.off, c.n); return h.Sum(nil), err },
			} {
				got, err := hashIt()
				if err != nil {
					t.Fatalf("%s: %v", fn, err)
				}
				if !bytes.Equal(got, want[:]) {
					t.Errorf("%s(%d, %d) = %x, want %x", fn, c.off, c.n, got, want)
				}
			}
		})
	}
}

// TestReadHashShort checks that a range past the end of the file is an
// error (and, for the mapped hashRange, not a fault).
func TestReadHashShort(t *testing.T) {
	p := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(p, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := readHash(sha1.New(), f, 2, 10); err == nil {
		t.Error("readHash past the end of the file succeeded")
	}
	if err := hashRange(sha1.New(), f, 2, 1<<20); err == nil {
		t.Error("hashRange past the end of the file succeeded")
	}
}
