package cleanupcore

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/match"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func f(p string, size int64, ageDays int, hash string) match.File {
	name := p[strings.LastIndexByte(p, '/')+1:]
	t := now.Add(-time.Duration(ageDays) * 24 * time.Hour)
	return match.File{ID: p, Path: p, Name: name, Ext: match.ExtOf(name), Size: size, Hash: hash, Created: t, Updated: t}
}

func dir(p string) match.File { return match.File{ID: p, Path: p, Name: p, Folder: true} }

func paths(acts []Action) []string {
	var out []string
	for _, a := range acts {
		out = append(out, a.File.Path)
	}
	sort.Strings(out)
	return out
}

var tree = []match.File{
	dir("/B"), dir("/B/sets"), dir("/B/empty"), dir("/B/empty/deeper"), dir("/B/mixed"), dir("/B/mixed/e"),
	f("/B/sets/db-1.tar", 100, 5, "H1"), f("/B/sets/db-2.tar", 100, 4, "H2"), f("/B/sets/db-3.tar", 100, 3, "H3"),
	f("/B/sets/web-1.zip", 10, 9, "H4"), f("/B/sets/web-2.zip", 10, 1, "H5"),
	f("/B/old.log", 1<<20, 60, "H6"), f("/B/new.log", 5, 1, "H7"),
	f("/B/mixed/copy.log", 1<<20, 2, "H6"), f("/B/mixed/copy2.log", 1<<20, 1, "H6"),
	f("/Other/x.log", 1, 100, ""),
}

func TestPlan(t *testing.T) {
	tests := []struct {
		rule Rule
		want []string
	}{
		{Rule{Kind: KindTrash, Folder: "/B", When: match.Cond{Extensions: []string{"log"}, OlderThan: match.Duration(30 * 24 * time.Hour)}},
			[]string{"/B/old.log"}},
		{Rule{Kind: KindTrash, Folder: "/B", When: match.Cond{MinSize: 1 << 20}},
			[]string{"/B/mixed/copy.log", "/B/mixed/copy2.log", "/B/old.log"}},
		{Rule{Kind: KindKeepNewest, Folder: "/B", Keep: 1, When: match.Cond{Names: []string{"sets/db-*", "sets/web-*"}}},
			[]string{"/B/sets/db-1.tar", "/B/sets/db-2.tar", "/B/sets/web-1.zip"}},
		{Rule{Kind: KindKeepNewest, Folder: "/B/sets", Keep: 4},
			[]string{"/B/sets/web-1.zip"}},
		{Rule{Kind: KindDedupe, Folder: "/B"}, []string{"/B/mixed/copy.log", "/B/mixed/copy2.log"}},
		{Rule{Kind: KindDedupe, Folder: "/B", KeepWhich: "newest"}, []string{"/B/mixed/copy.log", "/B/old.log"}},
		{Rule{Kind: KindEmptyFolders, Folder: "/B"}, []string{"/B/empty", "/B/mixed/e"}},
	}
	for _, tt := range tests {
		c, err := tt.rule.Compile()
		if err != nil {
			t.Fatalf("%+v: %v", tt.rule, err)
		}
		acts := c.Plan(tree, now)
		if got := paths(acts); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %+v:\n got %q\nwant %q", tt.rule.Kind, tt.rule.When, got, tt.want)
		}
		for _, a := range acts {
			if !a.DryRun {
				t.Errorf("%s: action without dry_run set defaults to real", tt.rule.Kind)
			}
		}
	}
}

func TestEmptyTrash(t *testing.T) {
	trash := []match.File{f("/t/a", 1, 40, ""), f("/t/b", 1, 2, "")}
	c, err := Rule{Kind: KindEmptyTrash, When: match.Cond{OlderThan: match.Duration(30 * 24 * time.Hour)}}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	acts := c.Plan(trash, now)
	if len(acts) != 1 || acts[0].File.Path != "/t/a" || acts[0].Op != OpDelete {
		t.Fatalf("acts = %+v", acts)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, r := range []Rule{
		{Kind: "shred", Folder: "/a"},
		{Kind: KindTrash, Folder: "a", When: match.Cond{MinSize: 1}},
		{Kind: KindTrash, Folder: "/a"},
		{Kind: KindKeepNewest, Folder: "/a"},
		{Kind: KindDedupe, Folder: "/a", KeepWhich: "largest"},
		{Kind: KindTrash, Folder: "/a", When: match.Cond{Names: []string{"[x"}}},
	} {
		if _, err := r.Compile(); err == nil {
			t.Errorf("%+v compiled", r)
		}
	}
}

func TestCapAndMerge(t *testing.T) {
	no := false
	real, _ := Rule{Kind: KindTrash, Folder: "/B", When: match.Cond{MinSize: 1 << 20}, DryRun: &no}.Compile()
	dry, _ := Rule{Kind: KindDedupe, Folder: "/B"}.Compile()
	acts := Merge(real.Plan(tree, now), dry.Plan(tree, now))
	if len(acts) != 3 { // dedupe's two files are already trashed by the first rule
		t.Fatalf("merged %d actions: %+v", len(acts), paths(acts))
	}
	if err := CheckCap(acts, 3); err != nil {
		t.Fatalf("cap 3: %v", err)
	}
	if err := CheckCap(acts, 2); !errors.Is(err, ErrCapExceeded) {
		t.Fatalf("cap 2: %v, want ErrCapExceeded", err)
	}
	if err := CheckCap(dry.Plan(tree, now), 0); err != nil {
		t.Fatalf("dry-run actions counted against the cap: %v", err)
	}
}
