package abi

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestScanIndexRoundTrip(t *testing.T) {
	recs := []ScanRecord{
		{Path: "a.txt", Size: 5, MTime: 1700000000123456789},
		{Path: "dir/é ü/b", Size: 0, MTime: -1, Flags: ScanFlagReport},
		{Path: "link", Size: 12, MTime: 3, Link: "../target"},
		{Path: "", Size: 1 << 62, MTime: 0},
	}
	b := []byte(ScanIndexMagic)
	for _, r := range recs {
		b = AppendScanRecord(b, r)
	}
	var got []ScanRecord
	if err := DecodeScanIndex(b, func(r ScanRecord) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Errorf("decoded %+v, want %+v", got, recs)
	}
}

func TestScanIndexErrors(t *testing.T) {
	full := AppendScanRecord([]byte(ScanIndexMagic), ScanRecord{Path: "abc", Size: 1, MTime: 2, Link: "x"})
	tests := map[string][]byte{
		"no magic":        []byte("WDSI0"),
		"truncated":       full[:len(full)-1],
		"long string":     append([]byte(ScanIndexMagic), 0x7f, 'a'),
		"overlong varint": append([]byte(ScanIndexMagic), bytes.Repeat([]byte{0xff}, 11)...),
	}
	for name, data := range tests {
		n := 0
		err := DecodeScanIndex(data, func(ScanRecord) { n++ })
		if !errors.Is(err, ErrBadScanIndex) {
			t.Errorf("%s: err = %v, want ErrBadScanIndex", name, err)
		}
	}
	if err := DecodeScanIndex([]byte(ScanIndexMagic), func(ScanRecord) { t.Error("record in an empty index") }); err != nil {
		t.Errorf("empty index: %v", err)
	}
}

// FuzzScanIndex checks that the decoder never panics and that whatever it
// accepts re-encodes to the same records.
func FuzzScanIndex(f *testing.F) {
	f.Add(AppendScanRecord([]byte(ScanIndexMagic), ScanRecord{Path: "a/b", Size: 3, MTime: 4, Link: "t", Flags: 1}))
	f.Add([]byte(ScanIndexMagic + "\x01a\x00\x02\x04"))
	f.Add([]byte("junk"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []ScanRecord
		if err := DecodeScanIndex(data, func(r ScanRecord) { recs = append(recs, r) }); err != nil {
			return
		}
		b := []byte(ScanIndexMagic)
		for _, r := range recs {
			b = AppendScanRecord(b, r)
		}
		var again []ScanRecord
		if err := DecodeScanIndex(b, func(r ScanRecord) { again = append(again, r) }); err != nil || !reflect.DeepEqual(again, recs) {
			t.Fatalf("re-encoded index decodes to %+v (%v), want %+v", again, err, recs)
		}
	})
}
