package match

import (
	"encoding/json"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestMatch(t *testing.T) {
	f := &File{Name: "Report.PDF", Ext: "pdf", Category: "doc", Size: 5000,
		Created: now.Add(-100 * 24 * time.Hour), Updated: now.Add(-40 * 24 * time.Hour)}
	day := Duration(24 * time.Hour)
	tests := []struct {
		name string
		c    Cond
		want bool
	}{
		{"zero matches", Cond{}, true},
		{"ext", Cond{Extensions: []string{".Pdf"}}, true},
		{"other ext", Cond{Extensions: []string{"doc"}}, false},
		{"category", Cond{Categories: []string{"DOC"}}, true},
		{"name glob", Cond{Names: []string{"*.PDF"}}, true},
		{"name glob miss", Cond{Names: []string{"*.pdf"}}, false},
		{"subtree glob", Cond{Names: []string{"2023/**"}}, true},
		{"min size", Cond{MinSize: 6000}, false},
		{"max size", Cond{MaxSize: 4000}, false},
		{"size range", Cond{MinSize: 1000, MaxSize: 5000}, true},
		{"older than", Cond{OlderThan: 30 * day}, true},
		{"not older than", Cond{OlderThan: 50 * day}, false},
		{"newer than", Cond{NewerThan: 50 * day}, true},
		{"created older", Cond{CreatedOlderThan: 90 * day}, true},
		{"created not older", Cond{CreatedOlderThan: 200 * day}, false},
	}
	for _, tt := range tests {
		m, err := tt.c.Compile()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := m.Match(f, "2023/x/Report.PDF", now); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, bad := range []Cond{{Names: []string{"[x"}}, {MinSize: 10, MaxSize: 5}, {OlderThan: -1}} {
		if _, err := bad.Compile(); err == nil {
			t.Errorf("%+v compiled", bad)
		}
	}
}

func TestParse(t *testing.T) {
	durs := map[string]time.Duration{"30d": 720 * time.Hour, "2w": 336 * time.Hour, "90m": 90 * time.Minute, "60": time.Minute, "1.5d": 36 * time.Hour}
	for s, want := range durs {
		if got, err := ParseDuration(s); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	sizes := map[string]int64{"4096": 4096, "10MiB": 10 << 20, "2GB": 2 << 30, "512k": 512 << 10, "1.5K": 1536, "7b": 7}
	for s, want := range sizes {
		if got, err := ParseSize(s); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1", "10Q"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
		if _, err := ParseDuration(bad + "z"); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad+"z")
		}
	}
	var c Cond
	if err := json.Unmarshal([]byte(`{"min_size":"1KiB","max_size":2048,"older_than":"7d","newer_than":3600}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.MinSize != 1024 || c.MaxSize != 2048 || time.Duration(c.OlderThan) != 168*time.Hour || time.Duration(c.NewerThan) != time.Hour {
		t.Fatalf("decoded %+v", c)
	}
	if err := json.Unmarshal([]byte(`{"older_than":true}`), &c); err == nil {
		t.Fatal("bool duration accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("10MiB")
	f.Add("30d")
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseSize(s); err == nil && v < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, v)
		}
		_, _ = ParseDuration(s)
	})
}
