package sdk

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func TestLocalScanAllMergesPages(t *testing.T) {
	pages := map[string]LocalScanResult{
		"": {Files: []ScanFile{{Path: "a", Size: 1, MTime: -5}, {Path: "b\"é", Size: 2, MTime: 1700000000123456789, Symlink: true, Link: "t"}},
			Missing: []string{"gone"}, Skipped: []ScanSkip{{Path: "big", Reason: "too big"}}, Unchanged: 3, Excluded: 1, NextMarker: "b\"é"},
		"b\"é": {Files: []ScanFile{{Path: "c"}}, Missing: []string{"gone2"}, Failed: []string{"locked"},
			Skipped: []ScanSkip{{Path: "x", Reason: "r"}}, Unchanged: 4},
	}
	h := &fakeHost{handler: func(fn string, req map[string]any) (any, *abi.Error) {
		if fn != abi.FnLocalScan || req["path"] != "/src" || req["symlinks"] != "follow" {
			t.Errorf("call %s %v", fn, req)
		}
		m, _ := req["marker"].(string)
		return pages[m], nil
	}}
	h.install(t)
	got, err := LocalScanAll(LocalScanRequest{Path: "/src", Symlinks: abi.ScanSymlinksFollow}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := &LocalScanResult{Files: append(pages[""].Files, pages["b\"é"].Files...), Missing: []string{"gone", "gone2"},
		Failed: []string{"locked"}, Skipped: pages[""].Skipped, Unchanged: 7, Excluded: 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged = %+v\nwant %+v", got, want)
	}
	if len(h.calls) != 2 {
		t.Errorf("%d calls, want 2", len(h.calls))
	}
}

// TestScanAnswerMatchesJSON checks the lexer decoder against encoding/json.
func TestScanAnswerMatchesJSON(t *testing.T) {
	in := LocalScanResult{Files: []ScanFile{{Path: "x\\y\n", Size: 1 << 40, MTime: -1, Link: "l"}}, Missing: []string{"m"},
		Unchanged: 9, Excluded: 2, NextMarker: "n"}
	b, _ := json.Marshal(in)
	var viaJSON, viaLexer LocalScanResult
	if err := json.Unmarshal(b, &viaJSON); err != nil {
		t.Fatal(err)
	}
	if err := (&scanAnswer{&viaLexer}).UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(viaLexer, viaJSON) {
		t.Errorf("lexer %+v, encoding/json %+v", viaLexer, viaJSON)
	}
	if err := (&scanAnswer{&viaLexer}).UnmarshalJSON([]byte(`{"files":[{"path":1}]}`)); err == nil {
		t.Error("a number for a path decoded without an error")
	}
}

func TestScanIndexHelpers(t *testing.T) {
	b := AppendScanRecord(NewScanIndex(0), ScanRecord{Path: "p", Size: 1, MTime: 2})
	var got []ScanRecord
	if err := abi.DecodeScanIndex(b, func(r ScanRecord) { got = append(got, r) }); err != nil || len(got) != 1 || got[0].Path != "p" {
		t.Errorf("index %q: %+v %v", b, got, err)
	}
}
