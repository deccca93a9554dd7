package openapi

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
)

// refOffset is the proof offset computed the slow way, with big integers.
func refOffset(token string, size int64) int64 {
	sum := md5.Sum([]byte(token))
	m := hex.EncodeToString(sum[:])
	n, _ := new(big.Int).SetString(m[:16], 16)
	return new(big.Int).Mod(n, big.NewInt(size)).Int64()
}

func TestProofOffsetMatchesBigInt(t *testing.T) {
	for _, tok := range []string{"", "a", "eyJhbGciOi.token", strings.Repeat("x", 300)} {
		for _, size := range []int64{1, 2, 7, 8, 9, 1023, 1 << 20, 1<<62 + 3, 1<<63 - 1} {
			if got, want := ProofOffset(tok, size), refOffset(tok, size); got != want {
				t.Errorf("ProofOffset(%q, %d) = %d, want %d", tok, size, got, want)
			}
		}
	}
}

func TestProofCode(t *testing.T) {
	content := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	tests := []struct {
		name    string
		content []byte
	}{
		{"empty", nil},
		{"one byte", []byte("z")},
		{"eight", content[:8]},
		{"longer", content},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := int64(len(tc.content))
			got, err := ProofCode("tok", bytes.NewReader(tc.content), size)
			if err != nil {
				t.Fatal(err)
			}
			if size == 0 {
				if got != "" {
					t.Fatalf("empty file proof = %q, want empty", got)
				}
				return
			}
			off := refOffset("tok", size)
			want := base64.StdEncoding.EncodeToString(tc.content[off:min(off+8, size)])
			if got != want {
				t.Fatalf("ProofCode = %q, want %q", got, want)
			}
		})
	}
	if _, err := ProofCode("tok", bytes.NewReader([]byte("ab")), 100); err == nil {
		t.Fatal("ProofCode on a short reader: want an error")
	}
}

func TestPreHash(t *testing.T) {
	big := bytes.Repeat([]byte("q"), 5000)
	h, err := PreHash(bytes.NewReader(big), int64(len(big)))
	if err != nil {
		t.Fatal(err)
	}
	s := sha1.Sum(big[:1024])
	if want := strings.ToUpper(hex.EncodeToString(s[:])); h != want {
		t.Fatalf("PreHash = %s, want %s", h, want)
	}
	e, _ := PreHash(bytes.NewReader(nil), 0)
	if e != EmptySHA1 {
		t.Fatalf("PreHash(empty) = %s, want %s", e, EmptySHA1)
	}
}

func TestPartSize(t *testing.T) {
	tests := []struct {
		size, want, got int64
	}{
		{0, 0, DefaultPartSize},
		{1 << 30, 0, DefaultPartSize},
		{DefaultPartSize * MaxParts, 0, DefaultPartSize},
		{DefaultPartSize*MaxParts + 1, 0, 11 << 20},
		{200 << 30, 0, 21 << 20},
		{100, 1 << 20, 1 << 20},
	}
	for _, tc := range tests {
		got := PartSize(tc.size, tc.want)
		if got != tc.got {
			t.Errorf("PartSize(%d, %d) = %d, want %d", tc.size, tc.want, got, tc.got)
		}
		if n := PartCount(tc.size, got); n > MaxParts {
			t.Errorf("PartSize(%d) gives %d parts", tc.size, n)
		}
	}
	if off, n := PartRange(3, 25, 10); off != 20 || n != 5 {
		t.Fatalf("PartRange(3,25,10) = %d,%d", off, n)
	}
}
