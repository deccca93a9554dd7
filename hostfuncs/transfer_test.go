package hostfuncs

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteAtomicChecksBeforeReplacing: with an expected SHA-1, bytes of
// another hash never replace the local file, and no temp file is left.
func TestWriteAtomicChecksBeforeReplacing(t *testing.T) {
	sum := func(s string) string { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	tests := []struct {
		name, body, want string
		ok               bool
		after            string
	}{
		{"no expectation", "new bytes", "", true, "new bytes"},
		{"match", "new bytes", sum("new bytes"), true, "new bytes"},
		{"match upper-case", "new bytes", strings.ToUpper(sum("new bytes")), true, "new bytes"},
		{"mismatch keeps the good copy", "0123456789", sum("good copy"), false, "good copy"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		dst := filepath.Join(dir, "f.txt")
		if err := os.WriteFile(dst, []byte("good copy"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := writeAtomic(context.Background(), dst, strings.NewReader(tt.body), tt.want)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok %v", tt.name, err, tt.ok)
		}
		if b, _ := os.ReadFile(dst); string(b) != tt.after {
			t.Errorf("%s: file holds %q, want %q", tt.name, b, tt.after)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%s: %d entries left in the folder, want the file alone", tt.name, len(ents))
		}
	}
}
