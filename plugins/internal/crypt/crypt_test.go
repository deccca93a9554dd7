package crypt

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func testKeys(t testing.TB) *Keys {
	k, err := ParseKey("base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func encrypt(t testing.TB, k *Keys, plain []byte, chunk int) []byte {
	var buf bytes.Buffer
	w, err := k.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for p := plain; len(p) > 0; {
		n := min(chunk, len(p))
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decrypt(k *Keys, ct []byte) ([]byte, error) {
	r, err := k.NewReader(iotest.HalfReader(bytes.NewReader(ct)))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestStreamRoundTrip(t *testing.T) {
	k := testKeys(t)
	for _, n := range []int{0, 1, 100, SegmentSize - 1, SegmentSize, SegmentSize + 1, 3*SegmentSize + 7, 4 * SegmentSize} {
		plain := make([]byte, n)
		for i := range plain {
			plain[i] = byte(i*7 + i>>8)
		}
		for _, chunk := range []int{1 << 20, 1000} {
			ct := encrypt(t, k, plain, chunk)
			if int64(len(ct)) != EncryptedSize(int64(n)) {
				t.Fatalf("n=%d: len %d, EncryptedSize %d", n, len(ct), EncryptedSize(int64(n)))
			}
			if n > 16 && bytes.Contains(ct, plain[:16]) {
				t.Fatalf("n=%d: ciphertext contains plaintext", n)
			}
			got, err := decrypt(k, ct)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("n=%d chunk=%d: decrypt: %v (equal=%v)", n, chunk, err, bytes.Equal(got, plain))
			}
		}
	}
}

func TestStreamTamper(t *testing.T) {
	k := testKeys(t)
	plain := bytes.Repeat([]byte("x"), 2*SegmentSize+10)
	ct := encrypt(t, k, plain, 1<<20)
	seg := SegmentSize + tagSize
	other, _ := NewKeys(bytes.Repeat([]byte{9}, 32))
	tests := []struct {
		name string
		data []byte
		keys *Keys
	}{
		{"flip a byte", flip(ct, HeaderSize+5), k},
		{"flip header", flip(ct, 6), k},
		{"truncate at segment boundary", ct[:HeaderSize+seg], k},
		{"truncate mid-segment", ct[:len(ct)-3], k},
		{"drop middle segment", append(append([]byte{}, ct[:HeaderSize+seg]...), ct[HeaderSize+2*seg:]...), k},
		{"append bytes", append(append([]byte{}, ct...), 1, 2, 3), k},
		{"wrong key", ct, other},
		{"short header", ct[:5], k},
	}
	for _, tt := range tests {
		if _, err := decrypt(tt.keys, tt.data); !errors.Is(err, ErrAuth) {
			t.Errorf("%s: err = %v, want ErrAuth", tt.name, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 1
	return c
}

func TestNames(t *testing.T) {
	k := testKeys(t)
	for _, name := range []string{"a", "report 2026.pdf", "日本語ファイル.txt", strings.Repeat("n", 150), "e\u0301"} {
		enc := k.EncryptName(name)
		if enc != k.EncryptName(name) {
			t.Fatal("name encryption is not deterministic")
		}
		if strings.ContainsAny(enc, "/\\+= ") || strings.Contains(enc, name) {
			t.Fatalf("encrypted name %q is not opaque base64url", enc)
		}
		got, err := k.DecryptName(enc)
		if err != nil || got != name {
			t.Fatalf("DecryptName(%q) = %q, %v", enc, got, err)
		}
	}
	if k.EncryptName("a") == k.EncryptName("b") {
		t.Fatal("different names encrypt equally")
	}
	p := "dir/sub/file.txt"
	ep := k.EncryptPath(p)
	if strings.Count(ep, "/") != 2 {
		t.Fatalf("EncryptPath kept no shape: %q", ep)
	}
	if got, err := k.DecryptPath(ep); err != nil || got != p {
		t.Fatalf("DecryptPath = %q, %v", got, err)
	}
	for _, bad := range []string{"", "!!", "AAAA", k.EncryptName("x") + "A"} {
		if _, err := k.DecryptName(bad); !errors.Is(err, ErrAuth) {
			t.Errorf("DecryptName(%q) = %v, want ErrAuth", bad, err)
		}
	}
}

func TestParseKey(t *testing.T) {
	good := []string{"base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "correct horse battery staple"}
	fps := map[string]bool{}
	for _, s := range good {
		k, err := ParseKey(s)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", s, err)
		}
		fps[k.Fingerprint()] = true
	}
	if len(fps) != 2 { // base64 and hex are the same key
		t.Fatalf("want 2 distinct fingerprints, got %d", len(fps))
	}
	for _, s := range []string{"", "short", "base64:AAAA", "hex:zz", "base64:!!"} {
		if _, err := ParseKey(s); !errors.Is(err, ErrBadKey) {
			t.Errorf("ParseKey(%q) = %v, want ErrBadKey", s, err)
		}
	}
}

func FuzzDecrypt(f *testing.F) {
	k := testKeys(f)
	f.Add(encrypt(f, k, []byte("hello"), 10))
	f.Add(encrypt(f, k, nil, 10))
	f.Add([]byte("WDC1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decrypt(k, data)
	})
}

func FuzzDecryptName(f *testing.F) {
	k := testKeys(f)
	f.Add(k.EncryptName("x.txt"))
	f.Fuzz(func(t *testing.T, s string) {
		name, err := k.DecryptName(s)
		if err == nil && k.EncryptName(name) != s {
			t.Fatalf("accepted %q that does not re-encrypt to itself", s)
		}
	})
}

func BenchmarkEncrypt(b *testing.B) {
	k := testKeys(b)
	plain := make([]byte, 4<<20)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		w, _ := k.NewWriter(io.Discard)
		w.Write(plain)
		w.Close()
	}
}
