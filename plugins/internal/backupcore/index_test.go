package backupcore

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/glob"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// hostScan does what the host's wd_local_scan does with an index (without
// globs and size limits): it reports the files whose record differs, is
// flagged or is absent, and lists the unflagged records not found.
func hostScan(t *testing.T, index []byte, local []LocalFile) (files []LocalFile, missing []string) {
	t.Helper()
	recs := map[string]abi.ScanRecord{}
	if err := abi.DecodeScanIndex(index, func(r abi.ScanRecord) { recs[r.Path] = r }); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range local {
		seen[f.Path] = true
		r, ok := recs[f.Path]
		if ok && r.Flags&abi.ScanFlagReport == 0 && r.Size == f.Size && r.MTime == f.MTime && r.Link == f.Link {
			continue
		}
		files = append(files, f)
	}
	for p, r := range recs {
		if !seen[p] && r.Flags&abi.ScanFlagReport == 0 {
			missing = append(missing, p)
		}
	}
	return files, missing
}

// TestFromScanMatchesFullScan checks, over random trees and changes, that
// diffing the host's delta (rebuilt by FromScan) plans exactly what
// diffing a full listing plans.
func TestFromScanMatchesFullScan(t *testing.T) {
	filter, _ := glob.NewFilter(nil, []string{"*.tmp"})
	day := int64(24 * time.Hour)
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 1))
		m := &Manifest{}
		var local []LocalFile
		for i := range 30 {
			p := fmt.Sprintf("d%d/f%02d", i%3, i)
			if r.IntN(8) == 0 {
				p += ".tmp"
			}
			e := ent(p, int64(1+r.IntN(4)), int64(r.IntN(3)))
			if r.IntN(6) == 0 {
				e.Link = "target"
			}
			if r.IntN(5) == 0 {
				e.DeletedAt = now.UnixNano() - int64(r.IntN(60))*day
			}
			m.Entries = append(m.Entries, e)
			f := LocalFile{Path: p, Size: e.Size, MTime: e.MTime, Symlink: e.Link != "", Link: e.Link}
			switch r.IntN(6) {
			case 0: // gone
				continue
			case 1: // changed
				f.MTime++
			case 2:
				f.Size++
			}
			local = append(local, f)
		}
		for i := range r.IntN(4) {
			local = append(local, lf(fmt.Sprintf("new/%d", i), int64(1+r.IntN(4)), int64(r.IntN(3))))
		}
		m.Sort()
		files, missing := hostScan(t, EncodeIndex(m), local)
		for _, opts := range []Options{
			{Filter: filter, Symlinks: SymlinkSkip, Deletion: DeleteTrash, TrashAfter: 30 * time.Duration(day)},
			{Symlinks: SymlinkRecord, Deletion: DeleteMirror},
		} {
			full := Diff(m, &Scan{Files: append([]LocalFile(nil), local...)}, opts, now)
			delta := Diff(m, FromScan(m, append([]LocalFile(nil), files...), missing, nil), opts, now)
			if got, want := summary(delta), summary(full); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d %+v:\ndelta plan %v\nfull plan  %v", seed, opts, got, want)
			}
		}
	}
}

func TestHeadQuiet(t *testing.T) {
	day := int64(24 * time.Hour)
	trash := Options{Deletion: DeleteTrash, TrashAfter: 30 * time.Duration(day)}
	tests := []struct {
		name   string
		oldest int64
		opts   Options
		want   bool
	}{
		{"nothing deleted", 0, Options{Deletion: DeleteMirror}, true},
		{"keep never removes", now.UnixNano() - 400*day, Options{Deletion: DeleteKeep}, true},
		{"trash, not yet due", now.UnixNano() - 29*day, trash, true},
		{"trash, due", now.UnixNano() - 31*day, trash, false},
		{"mirror removes marked entries", now.UnixNano() - day, Options{Deletion: DeleteMirror}, false},
	}
	for _, tt := range tests {
		if got := (Head{OldestDeleted: tt.oldest}).Quiet(tt.opts, now); got != tt.want {
			t.Errorf("%s: Quiet = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSaveWritesIndex(t *testing.T) {
	kv := &memKV{m: map[string][]byte{}}
	s := &Store{KV: kv, Prefix: "b/", ChunkSize: 100}
	m := sampleManifest(50)
	m.Entries[3].DeletedAt = 77
	deleted := 0
	for _, e := range m.Entries {
		if e.DeletedAt != 0 {
			deleted++
		}
	}
	if _, err := s.Save(m); err != nil {
		t.Fatal(err)
	}
	h, ok, err := s.ReadHead()
	if err != nil || !ok || h.Index < 2 || h.Entries != 50 || h.OldestDeleted != oldestDeleted(m) {
		t.Fatalf("head %+v ok=%v err=%v", h, ok, err)
	}
	var index []byte
	for _, k := range s.IndexKeys(h) {
		index = append(index, kv.m[k]...)
	}
	n, flagged := 0, 0
	err = abi.DecodeScanIndex(index, func(r abi.ScanRecord) {
		if e := m.Entries[n]; r.Path != e.Path || r.Size != e.Size || r.MTime != e.MTime {
			t.Errorf("record %d = %+v, entry %+v", n, r, e)
		}
		if r.Flags == abi.ScanFlagReport {
			flagged++
		}
		n++
	})
	if err != nil || n != 50 || flagged != deleted || deleted == 0 {
		t.Errorf("index: %d records, %d flagged, %v", n, flagged, err)
	}
	if _, err := s.Save(sampleManifest(3)); err != nil {
		t.Fatal(err)
	}
	for _, k := range s.IndexKeys(h) {
		if _, ok := kv.m[k]; ok {
			t.Errorf("old index chunk %s left behind", k)
		}
	}
}
