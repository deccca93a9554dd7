package backupcore

import (
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/glob"
)

var now = time.Unix(1_800_000_000, 0)

func ent(path string, size, mtime int64) Entry {
	return Entry{Path: path, Size: size, MTime: mtime, SHA1: hashA, FileID: "id-" + path}
}

func lf(path string, size, mtime int64) LocalFile {
	return LocalFile{Path: path, Size: size, MTime: mtime}
}

// summary flattens a plan into comparable strings.
func summary(p *Plan) []string {
	var out []string
	for _, u := range p.Uploads {
		out = append(out, fmt.Sprintf("upload %s %s", u.Reason, u.File.Path))
	}
	for _, r := range p.Renames {
		out = append(out, fmt.Sprintf("rename %s -> %s", r.From.Path, r.To.Path))
	}
	for _, e := range p.Removals {
		out = append(out, "remove "+e.Path)
	}
	for _, s := range p.Marked {
		out = append(out, "mark "+s)
	}
	for _, s := range p.Revived {
		out = append(out, "revive "+s)
	}
	for _, s := range p.Skipped {
		out = append(out, "skip "+s.Path)
	}
	sort.Strings(out)
	return append(out, fmt.Sprintf("unchanged=%d retained=%d pending=%d excluded=%d", p.Unchanged, p.Retained, p.Pending, p.Excluded))
}

func TestDiff(t *testing.T) {
	day := int64(24 * time.Hour)
	old := now.UnixNano() - 40*day
	filter, _ := glob.NewFilter(nil, []string{"*.tmp"})
	base := Options{Symlinks: SymlinkSkip, Deletion: DeleteKeep, VersionsDir: ".versions"}
	with := func(f func(*Options)) Options { o := base; f(&o); return o }
	tests := []struct {
		name    string
		entries []Entry
		scan    Scan
		opts    Options
		want    []string
	}{
		{"first run", nil, Scan{Files: []LocalFile{lf("b", 2, 1), lf("a", 1, 1)}}, base,
			[]string{"upload new a", "upload new b", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"no change", []Entry{ent("a", 1, 1), ent("b", 2, 1)}, Scan{Files: []LocalFile{lf("a", 1, 1), lf("b", 2, 1)}}, base,
			[]string{"unchanged=2 retained=0 pending=0 excluded=0"}},
		{"changed size and mtime", []Entry{ent("a", 1, 1), ent("b", 2, 1)}, Scan{Files: []LocalFile{lf("a", 9, 1), lf("b", 2, 5)}}, base,
			[]string{"upload changed a", "upload changed b", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"deleted, keep", []Entry{ent("a", 1, 1)}, Scan{}, base,
			[]string{"mark a", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"deleted, mirror", []Entry{ent("a", 1, 1)}, Scan{}, with(func(o *Options) { o.Deletion = DeleteMirror }),
			[]string{"remove a", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"deleted, trash, not yet due", []Entry{{Path: "a", DeletedAt: now.UnixNano() - day}}, Scan{},
			with(func(o *Options) { o.Deletion, o.TrashAfter = DeleteTrash, 30*24*time.Hour }),
			[]string{"unchanged=0 retained=0 pending=1 excluded=0"}},
		{"deleted, trash, due", []Entry{{Path: "a", DeletedAt: old}}, Scan{},
			with(func(o *Options) { o.Deletion, o.TrashAfter = DeleteTrash, 30*24*time.Hour }),
			[]string{"remove a", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"deleted then back unchanged", []Entry{{Path: "a", Size: 1, MTime: 1, DeletedAt: old}}, Scan{Files: []LocalFile{lf("a", 1, 1)}}, base,
			[]string{"revive a", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"rename by size and mtime", []Entry{ent("old", 10, 7)}, Scan{Files: []LocalFile{lf("new", 10, 7)}}, base,
			[]string{"rename old -> new", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"ambiguous rename uploads", []Entry{ent("o1", 10, 7), ent("o2", 10, 7)}, Scan{Files: []LocalFile{lf("new", 10, 7)}}, base,
			[]string{"mark o1", "mark o2", "upload new new", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"empty files never renamed", []Entry{ent("o", 0, 7)}, Scan{Files: []LocalFile{lf("n", 0, 7)}}, base,
			[]string{"mark o", "upload new n", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"unreadable folder retains entries", []Entry{ent("d/a", 1, 1), ent("d/b", 1, 1), ent("e", 1, 1)}, Scan{Failed: []string{"d"}},
			with(func(o *Options) { o.Deletion = DeleteMirror }),
			[]string{"remove e", "unchanged=0 retained=2 pending=0 excluded=0"}},
		{"excluded file is neither uploaded nor deleted", []Entry{ent("x.tmp", 1, 1)}, Scan{Files: []LocalFile{lf("x.tmp", 2, 2), lf("y.tmp", 1, 1)}},
			with(func(o *Options) { o.Filter, o.Deletion = filter, DeleteMirror }),
			[]string{"unchanged=0 retained=1 pending=0 excluded=2"}},
		{"symlink skipped", nil, Scan{Files: []LocalFile{{Path: "l", Symlink: true, Link: "t"}}}, base,
			[]string{"skip l", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"symlink recorded", nil, Scan{Files: []LocalFile{{Path: "l", Symlink: true, Link: "t", Size: 1}}}, with(func(o *Options) { o.Symlinks = SymlinkRecord }),
			[]string{"upload new l", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"too large", nil, Scan{Files: []LocalFile{lf("big", 100, 1), lf("ok", 10, 1)}}, with(func(o *Options) { o.MaxFileSize = 50 }),
			[]string{"skip big", "upload new ok", "unchanged=0 retained=0 pending=0 excluded=0"}},
		{"reserved versions folder", nil, Scan{Files: []LocalFile{lf(".versions/x", 1, 1), lf(".versionsx", 1, 1)}}, base,
			[]string{"skip .versions/x", "upload new .versionsx", "unchanged=0 retained=0 pending=0 excluded=0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Manifest{Entries: tt.entries}
			p := Diff(m, &tt.scan, tt.opts, now)
			if got := summary(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("plan:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPlanEmptyAndBytes(t *testing.T) {
	m := &Manifest{Entries: []Entry{ent("a", 1, 1)}}
	p := Diff(m, &Scan{Files: []LocalFile{lf("a", 1, 1)}}, Options{Symlinks: SymlinkSkip, Deletion: DeleteKeep}, now)
	if !p.Empty() {
		t.Fatal("no-change plan is not empty")
	}
	p = Diff(m, &Scan{Files: []LocalFile{lf("a", 5, 1), lf("b", 7, 1)}}, Options{Symlinks: SymlinkSkip, Deletion: DeleteKeep}, now)
	if p.Empty() || p.UploadBytes != 12 {
		t.Fatalf("Empty=%v UploadBytes=%d, want false 12", p.Empty(), p.UploadBytes)
	}
}

func TestOptionsValidate(t *testing.T) {
	good := Options{Symlinks: SymlinkFollow, Deletion: DeleteTrash}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Options{{Symlinks: "x", Deletion: DeleteKeep}, {Symlinks: SymlinkSkip, Deletion: "y"}, {Symlinks: SymlinkSkip, Deletion: DeleteKeep, MaxFileSize: -1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestChangesApplyAndAt(t *testing.T) {
	m := &Manifest{Entries: []Entry{{Path: "a", SHA1: hashA, BackedUp: 10}, {Path: "c", BackedUp: 10}}}
	c := NewChanges()
	c.Set(Entry{Path: "b", BackedUp: 20})
	c.Set(Entry{Path: "a", SHA1: hashB, BackedUp: 20})
	c.AddVersion(VersionOf(m.Entries[0], "v-a", 20))
	c.Remove("c")
	if c.Len() != 4 {
		t.Fatalf("Len = %d", c.Len())
	}
	c.Apply(m)
	var paths []string
	for _, e := range m.Entries {
		paths = append(paths, e.Path)
	}
	if !reflect.DeepEqual(paths, []string{"a", "b"}) || m.Find("a").SHA1 != hashB || m.Find("c") != nil {
		t.Fatalf("after Apply: %+v", m.Entries)
	}
	at15 := m.At(time.Unix(0, 15))
	if len(at15) != 1 || at15[0].FileID != "v-a" || at15[0].SHA1 != hashA {
		t.Fatalf("At(15) = %+v, want the old a from its version", at15)
	}
	at25 := m.At(time.Unix(0, 25))
	if len(at25) != 2 || at25[0].SHA1 != hashB {
		t.Fatalf("At(25) = %+v", at25)
	}
}

func BenchmarkDiffNoChange100k(b *testing.B) {
	m := sampleManifest(100000)
	for i := range m.Entries {
		m.Entries[i].DeletedAt = 0
	}
	files := make([]LocalFile, len(m.Entries))
	for i, e := range m.Entries {
		files[i] = LocalFile{Path: e.Path, Size: e.Size, MTime: e.MTime, Link: e.Link, Symlink: e.Link != ""}
	}
	o := Options{Symlinks: SymlinkRecord, Deletion: DeleteMirror}
	b.ReportAllocs()
	for b.Loop() {
		if p := Diff(m, &Scan{Files: files}, o, now); !p.Empty() {
			b.Fatal("plan not empty")
		}
	}
}
