package backupcore

import (
	"slices"
	"sort"
	"time"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// EncodeIndex returns the scan index of m (the ABI's wd_local_scan index):
// every entry's path, size, mtime and link target. Entries marked deleted
// carry abi.ScanFlagReport, so the host reports them when they come back
// and never lists them as missing.
func EncodeIndex(m *Manifest) []byte { return AppendIndex(nil, m) }

// AppendIndex appends the scan index of m to b (reuse b[:0] across saves).
func AppendIndex(b []byte, m *Manifest) []byte {
	b = slices.Grow(b, len(abi.ScanIndexMagic)+len(m.Entries)*48)
	b = append(b, abi.ScanIndexMagic...)
	for i := range m.Entries {
		e := &m.Entries[i]
		r := abi.ScanRecord{Path: e.Path, Size: e.Size, MTime: e.MTime, Link: e.Link}
		if e.DeletedAt != 0 {
			r.Flags = abi.ScanFlagReport
		}
		b = abi.AppendScanRecord(b, r)
	}
	return b
}

// Quiet reports whether a run whose scan found no new, changed or missing
// file has nothing to do either: no entry marked deleted can be due for
// removal under o at now. Then the manifest need not even be read.
func (h Head) Quiet(o Options, now time.Time) bool {
	switch {
	case h.OldestDeleted == 0, o.Deletion == DeleteKeep:
		return true
	case o.Deletion == DeleteTrash:
		return now.UnixNano()-h.OldestDeleted < int64(o.TrashAfter)
	}
	return false // mirror removes marked entries at once
}

// FromScan builds the Scan that Diff compares m with from a scan against
// m's index: the files the host reported, plus every live entry it neither
// reported nor found missing (those are present and unchanged), in path
// order. files is sorted in place.
func FromScan(m *Manifest, files []LocalFile, missing, failed []string) *Scan {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	gone := make(map[string]bool, len(missing))
	for _, p := range missing {
		gone[p] = true
	}
	scan := &Scan{Files: make([]LocalFile, 0, len(m.Entries)+len(files)), Failed: failed}
	j := 0
	for i := range m.Entries {
		e := &m.Entries[i]
		for j < len(files) && files[j].Path <= e.Path {
			scan.Files = append(scan.Files, files[j])
			j++
		}
		if e.DeletedAt != 0 || gone[e.Path] || len(scan.Files) > 0 && scan.Files[len(scan.Files)-1].Path == e.Path {
			continue
		}
		scan.Files = append(scan.Files, LocalFile{Path: e.Path, Size: e.Size, MTime: e.MTime, Symlink: e.Link != "", Link: e.Link})
	}
	scan.Files = append(scan.Files, files[j:]...)
	return scan
}
