package demo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSummaryLines: the plugins' JSON results read as sentences, with zero
// counts left out and problems listed.
func TestSummaryLines(t *testing.T) {
	decode := func(s string, v any) {
		if err := json.Unmarshal([]byte(s), v); err != nil {
			t.Fatal(err)
		}
	}
	var b backupSummary
	decode(`{"status":"ok","files":7,"uploaded":2,"bytes_sent":2048,"unchanged":4,"renamed":1,"elapsed_ms":60,"errors":[{"path":"a","error":"denied"}]}`, &b)
	var a archiveSummary
	decode(`{"status":"ok","rules":[{"name":"pdfs","planned":6,"done":5,"failed":1,"examples":["a","b","c","d","e","f"],"errors":["x: gone"]}]}`, &a)
	var idle archiveSummary
	decode(`{"status":"idle","rules":[]}`, &idle)
	var c cleanupSummary
	decode(`{"status":"ok","planned":2,"trashed":2,"examples":["trash /a","trash /b"]}`, &c)
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"backup", b.lines(), []string{
			"ok: 2 uploaded (2.0 KiB sent), 4 unchanged, 1 renamed on the drive instead of uploaded again",
			"the backup now holds 7 files (60 ms)",
			`  problem: {"path":"a","error":"denied"}`}},
		{"archive planned", a.lines("planned"), []string{`rule "pdfs": 6 planned`, "  a", "  b", "  c", "  d", "  … and 2 more", "  problem: x: gone"}},
		{"archive done", a.lines("done"), []string{`rule "pdfs": 5 done, 0 skipped, 1 failed`, "  problem: x: gone"}},
		{"archive without rules", idle.lines("planned"), []string{"no rules (idle)"}},
		{"cleanup dry run", c.lines(true), []string{"ok: would act on 2 items, nothing changed:", "  trash /a", "  trash /b"}},
		{"cleanup", c.lines(false), []string{"ok: 2 moved to the drive's trash, 0 deleted, 0 failed"}},
	}
	for _, tt := range tests {
		if strings.Join(tt.got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, strings.Join(tt.got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestBytesText(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1536, "1.5 KiB"}, {3 << 20, "3.0 MiB"}}
	for _, tt := range tests {
		if got := bytesText(tt.n); got != tt.want {
			t.Errorf("bytesText(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
}

// TestClearExceptCache: a fresh demo keeps only the plugin builds.
func TestClearExceptCache(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"cache/build/x.wasm", "inbox/a.txt", "drives/default/meta.db", "kv/plugins.db"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644)
	}
	if err := clearExceptCache(dir); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "cache" {
		t.Fatalf("left %v, want only cache", ents)
	}
	if _, err := os.Stat(filepath.Join(dir, "cache/build/x.wasm")); err != nil {
		t.Fatal(err)
	}
	if err := clearExceptCache(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("a missing folder: %v", err)
	}
}

// TestSamplesRoundTrip: changeSamples makes the differences the demo
// narrates, and sameTree sees them.
func TestSamplesRoundTrip(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := writeSamples(a); err != nil {
		t.Fatal(err)
	}
	if err := writeSamples(b); err != nil {
		t.Fatal(err)
	}
	if same, err := sameTree(a, b); err != nil || !same {
		t.Fatalf("identical samples: same = %v, %v", same, err)
	}
	if err := changeSamples(b); err != nil {
		t.Fatal(err)
	}
	if same, err := sameTree(a, b); err != nil || same {
		t.Fatalf("changed samples: same = %v, %v", same, err)
	}
	sums, _ := treeSums(b)
	for _, p := range []string{"docs/new.txt", "photos/2026/sunset-final.jpg"} {
		if _, ok := sums[p]; !ok {
			t.Errorf("%s missing after the change", p)
		}
	}
	if _, ok := sums["src/main.go"]; ok {
		t.Error("src/main.go still there after the change")
	}
}
