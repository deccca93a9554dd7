package abi

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func sampleFile() File {
	t := time.Date(2026, 11, 27, 15, 4, 5, 123456789, time.UTC)
	return File{DriveID: "d", FileID: "f1", ParentFileID: "root", Name: "名前 (1).txt", Type: TypeFile,
		Size: 1 << 40, ContentHash: "ABC", ContentHashName: "sha1", Category: "doc", FileExtension: "txt",
		Status: "available", CreatedAt: t, UpdatedAt: t.Add(time.Hour), Trashed: true, Starred: true,
		URL: "http://x/y", Path: "/a/b"}
}

func TestBinaryRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		f    File
	}{
		{"full", sampleFile()},
		{"zero", File{}},
		{"negative size and pre-1970", File{Size: -1, CreatedAt: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got File
			if err := DecodeFile(AppendFile([]byte{BinaryOK}, &tt.f), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.f) {
				t.Errorf("got %+v\nwant %+v", got, tt.f)
			}
		})
	}
	a, b := sampleFile(), File{FileID: "2"}
	enc := AppendListHeader([]byte{BinaryOK}, 2)
	enc = AppendFile(AppendFile(enc, &a), &b)
	enc = AppendListTrailer(enc, "next", 7)
	var l ListResult
	if err := DecodeList(enc, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 2 || !reflect.DeepEqual(*l.Items[0], a) || !reflect.DeepEqual(*l.Items[1], b) || l.NextMarker != "next" || l.TotalCount != 7 {
		t.Errorf("list = %+v", l)
	}
}

func TestBinaryMalformed(t *testing.T) {
	f := sampleFile()
	good := AppendFile([]byte{BinaryOK}, &f)
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"json", []byte(`{"ok":true}`)},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(append([]byte{}, good...), 0)},
		{"string past end", []byte{BinaryOK, 100, 'a'}},
		{"huge list", []byte{BinaryOK, 0xff, 0xff, 0xff, 0xff, 0x0f}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var x File
			var l ListResult
			if err := DecodeFile(tt.b, &x); !errors.Is(err, ErrBinary) {
				t.Errorf("DecodeFile: %v", err)
			}
			if err := DecodeList(tt.b, &l); !errors.Is(err, ErrBinary) {
				t.Errorf("DecodeList: %v", err)
			}
		})
	}
}

// FuzzBinary: hostile answers never panic, and what decodes re-encodes
// to the same bytes.
func FuzzBinary(f *testing.F) {
	x := sampleFile()
	f.Add(AppendFile([]byte{BinaryOK}, &x))
	f.Add(AppendListTrailer(AppendFile(AppendListHeader([]byte{BinaryOK}, 1), &x), "m", 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		var got File
		if DecodeFile(b, &got) == nil {
			var again File
			if err := DecodeFile(AppendFile([]byte{BinaryOK}, &got), &again); err != nil || !reflect.DeepEqual(got, again) {
				t.Fatalf("re-decode: %v", err)
			}
		}
		var l ListResult
		_ = DecodeList(b, &l)
	})
}
