package archivecore

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/match"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func file(p string, size int64, updated time.Time) match.File {
	name := p[strings.LastIndexByte(p, '/')+1:]
	ext := match.ExtOf(name)
	cat := "others"
	if ext == "pdf" {
		cat = "doc"
	}
	return match.File{ID: "id:" + p, Path: p, Name: name, Ext: ext, Category: cat, Size: size, Created: updated, Updated: updated}
}

func TestCompile(t *testing.T) {
	bad := []Rule{
		{Folder: "/a", Dest: "/b", Action: "delete"},
		{Folder: "a", Dest: "/b"},
		{Folder: "/a", Dest: "b"},
		{Folder: "/a", Dest: "/b/{month}"},
		{Folder: "/a", Dest: "/b/{yyyy"},
		{Folder: "/a", Dest: "/b/}"},
		{Folder: "/a", Dest: "/b", Conflict: "merge"},
		{Folder: "/a", Dest: "/b", DateFrom: "accessed"},
		{Folder: "/a", Dest: "/b", When: match.Cond{Names: []string{"[x"}}},
	}
	for _, r := range bad {
		if _, err := r.Compile(); err == nil {
			t.Errorf("%+v compiled", r)
		}
	}
	c, err := Rule{Folder: "/a", Dest: "/Archive/{yyyy}/{mm}"}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if c.Action != ActionCopy || c.Conflict != ConflictSkip || c.DateFrom != "updated" || c.destRoot != "/Archive" {
		t.Fatalf("defaults: %+v root %q", c.Rule, c.destRoot)
	}
}

func TestDestDir(t *testing.T) {
	c, _ := Rule{Folder: "/", Dest: "/A/{yyyy}/{yy}-{mm}-{dd}/{ext}/{category}"}.Compile()
	f := file("/x/r.pdf", 1, time.Date(2023, 4, 5, 0, 0, 0, 0, time.UTC))
	if got := c.DestDir(&f); got != "/A/2023/23-04-05/pdf/doc" {
		t.Fatalf("DestDir = %q", got)
	}
	g := match.File{Name: "README", Updated: f.Updated}
	if got := c.DestDir(&g); got != "/A/2023/23-04-05/noext/others" {
		t.Fatalf("DestDir = %q", got)
	}
}

func TestPlan(t *testing.T) {
	d2023 := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	files := []match.File{
		file("/Docs/a.pdf", 10, d2023),
		file("/Docs/sub/b.pdf", 10, d2023),
		file("/Docs/sub/c.txt", 10, d2023),
		file("/Docs/new.pdf", 10, now),
		file("/Docs/dup.pdf", 10, d2023),
		file("/Docs/sub/dup.pdf", 10, d2023),
		file("/Docs/Archive/2023/03/old.pdf", 10, d2023),
	}
	existing := map[string]map[string]string{"/Docs/Archive/2023/03": {"a.pdf": "other-a", "old.pdf": "id:/Docs/Archive/2023/03/old.pdf"}}
	lookup := func(dir string) (map[string]string, error) {
		m := map[string]string{}
		for k, v := range existing[dir] {
			m[k] = v
		}
		return m, nil
	}
	tests := []struct {
		conflict string
		want     []string
		skipped  int
	}{
		{ConflictSkip, []string{"dup.pdf", "b.pdf"}, 2},
		{ConflictRename, []string{"a (1).pdf", "dup.pdf", "b.pdf", "dup (1).pdf"}, 0},
		{ConflictOverwrite, []string{"a.pdf!other-a", "dup.pdf", "b.pdf", "dup.pdf!planned"}, 0},
	}
	for _, tt := range tests {
		c, err := Rule{Name: "pdf", Folder: "/Docs", Dest: "/Docs/Archive/{yyyy}/{mm}", Conflict: tt.conflict,
			When: match.Cond{Extensions: []string{"pdf"}, OlderThan: match.Duration(30 * 24 * time.Hour)}}.Compile()
		if err != nil {
			t.Fatal(err)
		}
		ops, skipped, err := c.Plan(append([]match.File{}, files...), now, lookup)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, op := range ops {
			s := op.Name
			if op.ReplaceID != "" {
				s += "!" + op.ReplaceID
			}
			if op.DestDir != "/Docs/Archive/2023/03" {
				t.Errorf("%s: dest %q", tt.conflict, op.DestDir)
			}
			got = append(got, s)
		}
		if !reflect.DeepEqual(got, tt.want) || len(skipped) != tt.skipped {
			t.Errorf("%s: ops %q skipped %d, want %q %d", tt.conflict, got, len(skipped), tt.want, tt.skipped)
		}
	}
	c, _ := Rule{Folder: "/Docs", Dest: "/Z/{yyyy}"}.Compile()
	if _, _, err := c.Plan(files, now, func(string) (map[string]string, error) { return nil, fmt.Errorf("boom") }); err == nil {
		t.Fatal("list error not returned")
	}
}

func TestFreeName(t *testing.T) {
	taken := map[string]string{"a.txt": "", "a (1).txt": "", ".rc": "", "noext": ""}
	for in, want := range map[string]string{"a.txt": "a (2).txt", "b.txt": "b.txt", ".rc": ".rc (1)", "noext": "noext (1)"} {
		if got := FreeName(in, taken); got != want {
			t.Errorf("FreeName(%q) = %q, want %q", in, got, want)
		}
	}
}
