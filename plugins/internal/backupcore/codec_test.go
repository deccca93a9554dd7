package backupcore

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const (
	hashA = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"
	hashB = "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3"
)

func sampleManifest(n int) *Manifest {
	m := &Manifest{Root: "/Backup/docs", Updated: 1700000000000000000}
	for i := 0; i < n; i++ {
		e := Entry{Path: fmt.Sprintf("dir%03d/sub/file%06d.txt", i/100, i), Size: int64(i * 37), MTime: 1600000000000000000 + int64(i),
			SHA1: hashA, FileID: fmt.Sprintf("f%020d", i), BackedUp: 1700000000000000000}
		switch i % 5 {
		case 1:
			e.RemoteSHA1, e.RemoteSize = hashB, e.Size+40
		case 2:
			e.Link = "../target"
		case 3:
			e.DeletedAt = 1700000000000000001
		case 4:
			e.SHA1 = ""
		}
		m.Entries = append(m.Entries, e)
	}
	m.Versions = []Version{{Path: "a/b.txt", Size: 3, MTime: 9, SHA1: hashB, FileID: "v1", From: 1, To: 2},
		{Path: "a/b.txt", Size: 4, MTime: 10, FileID: "v2", RemoteSHA1: hashA, RemoteSize: 40, From: 2, To: 3}}
	return m
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000} {
		m := sampleManifest(n)
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("n=%d: Encode: %v", n, err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("n=%d: Decode: %v", n, err)
		}
		if n == 0 {
			got.Entries = nil // make([]Entry,0) vs nil
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("n=%d: round trip differs:\n got %+v\nwant %+v", n, got, m)
		}
	}
}

func TestEncodeLowerHexBecomesUpper(t *testing.T) {
	m := &Manifest{Entries: []Entry{{Path: "a", SHA1: strings.ToLower(hashB)}}}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Entries[0].SHA1 != hashB {
		t.Fatalf("SHA1 = %q, want %q", got.Entries[0].SHA1, hashB)
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	tests := []struct {
		name string
		m    Manifest
	}{
		{"unsorted", Manifest{Entries: []Entry{{Path: "b"}, {Path: "a"}}}},
		{"duplicate", Manifest{Entries: []Entry{{Path: "a"}, {Path: "a"}}}},
		{"absolute", Manifest{Entries: []Entry{{Path: "/a"}}}},
		{"dotdot", Manifest{Entries: []Entry{{Path: "a/../b"}}}},
		{"bad hash", Manifest{Entries: []Entry{{Path: "a", SHA1: "xyz"}}}},
		{"negative", Manifest{Entries: []Entry{{Path: "a", Size: -1}}}},
		{"bad version path", Manifest{Versions: []Version{{Path: ""}}}},
	}
	for _, tt := range tests {
		if _, err := Encode(&tt.m); err == nil {
			t.Errorf("%s: Encode accepted an invalid manifest", tt.name)
		}
	}
}

func TestDecodeCorrupt(t *testing.T) {
	good, err := Encode(sampleManifest(50))
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{nil, []byte("WDM0xxxx"), []byte(magic), good[:len(good)/2], append(append([]byte{}, good[:len(good)-1]...), good[len(good)-1]^0xff)} {
		if _, err := Decode(data); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Decode(%d bytes) = %v, want ErrCorrupt", len(data), err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, n := range []int{0, 3, 20} {
		b, _ := Encode(sampleManifest(n))
		f.Add(b)
	}
	f.Add([]byte(magic + "garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			return
		}
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded manifest does not re-encode: %v", err)
		}
		m2, err := Decode(b)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoded manifest differs: %v", err)
		}
	})
}

func BenchmarkDecode100k(b *testing.B) {
	data, err := Encode(sampleManifest(100000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEncodedSizeIsExact keeps encodedSize in step with Encode (flags use
// one byte: fewer than 8 flags).
func TestEncodedSizeIsExact(t *testing.T) {
	for _, n := range []int{0, 1, 300} {
		m := sampleManifest(n)
		if n > 0 {
			m.Entries[0].Link, m.Entries[0].RemoteSize, m.Entries[0].MTime = "target", 1<<40, -5
		}
		data, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodedSize(m); got != len(data) {
			t.Errorf("%d entries: encodedSize = %d, encoding is %d bytes", n, got, len(data))
		}
	}
}
