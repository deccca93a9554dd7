// Package backupcore is the pure-Go heart of the backup plugin: the per-file
// manifest and its compact encoding, the diff of a local scan against it, the
// deletion and version policies, and point-in-time resolution for restore.
//
// It does no I/O of its own, so it runs natively in tests and benchmarks and
// unchanged inside the Wasm plugin. The manifest is kept in bulk (a few large
// KV values, see Store), never one key per file: a no-change rerun over
// 100,000 files must cost a few microseconds per file in total.
package backupcore

import (
	"fmt"
	"sort"
	"time"
)

// Entry is the backed-up state of one local file.
type Entry struct {
	// Path is the file's slash-separated path relative to the source root
	// (plaintext, even when names are encrypted on the drive).
	Path string
	// Size and MTime (Unix nanoseconds) are the local file's stat at the
	// time it was backed up; a file whose size or mtime differs is changed.
	Size  int64
	MTime int64
	// SHA1 is the plaintext content's SHA-1, upper-case hex ("" if unknown).
	SHA1 string
	// FileID is the drive file holding the content.
	FileID string
	// RemoteSize and RemoteSHA1 describe the stored object when it differs
	// from the plaintext (encrypted backups); zero/empty means "same".
	RemoteSize int64
	RemoteSHA1 string
	// Link is the target of a symlink recorded as link info (the drive file
	// then holds the target, not content).
	Link string
	// BackedUp is when this content became the current version (Unix ns).
	BackedUp int64
	// DeletedAt is when the file was first seen missing locally (Unix ns);
	// 0 while it exists.
	DeletedAt int64
}

// StoredSize is the size of the object on the drive.
func (e *Entry) StoredSize() int64 {
	if e.RemoteSize != 0 {
		return e.RemoteSize
	}
	return e.Size
}

// StoredSHA1 is the content hash the drive reports for the object.
func (e *Entry) StoredSHA1() string {
	if e.RemoteSHA1 != "" {
		return e.RemoteSHA1
	}
	return e.SHA1
}

// Version is a replaced or deleted file kept in the versions folder.
type Version struct {
	Path   string // relative path of the file it was
	Size   int64
	MTime  int64
	SHA1   string
	FileID string // the drive file, now inside the versions folder
	// RemoteSize / RemoteSHA1 as in Entry.
	RemoteSize int64
	RemoteSHA1 string
	// From and To bound when this content was current (Unix ns): From is
	// the Entry's BackedUp, To when it was replaced or deleted.
	From, To int64
}

// Manifest is the backup state of one source folder: entries sorted by
// Path, plus the kept versions.
type Manifest struct {
	// Root is the drive folder the source is mirrored into.
	Root string
	// Updated is when the manifest was last saved (Unix ns).
	Updated  int64
	Entries  []Entry
	Versions []Version
}

// Sort restores the Path order of Entries (and orders Versions by path
// then time); call it after appending out of order.
func (m *Manifest) Sort() {
	sort.Slice(m.Entries, func(i, j int) bool { return m.Entries[i].Path < m.Entries[j].Path })
	sort.Slice(m.Versions, func(i, j int) bool {
		a, b := &m.Versions[i], &m.Versions[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.From < b.From
	})
}

// Find returns the entry for path, or nil. Entries must be sorted.
func (m *Manifest) Find(path string) *Entry {
	i := sort.Search(len(m.Entries), func(i int) bool { return m.Entries[i].Path >= path })
	if i < len(m.Entries) && m.Entries[i].Path == path {
		return &m.Entries[i]
	}
	return nil
}

// Validate checks the invariants a decoder or a hand-built manifest must
// hold: sorted unique clean paths, non-negative sizes, hex hashes.
func (m *Manifest) Validate() error {
	for i := range m.Entries {
		e := &m.Entries[i]
		if err := checkPath(e.Path); err != nil {
			return fmt.Errorf("manifest entry %d: %w", i, err)
		}
		if i > 0 && m.Entries[i-1].Path >= e.Path {
			return fmt.Errorf("manifest entry %d: %q is out of order or duplicate", i, e.Path)
		}
		if e.Size < 0 || e.RemoteSize < 0 {
			return fmt.Errorf("manifest entry %q: negative size", e.Path)
		}
		if !validSHA1(e.SHA1) || !validSHA1(e.RemoteSHA1) {
			return fmt.Errorf("manifest entry %q: content hash is not 40 hex digits", e.Path)
		}
	}
	for i := range m.Versions {
		v := &m.Versions[i]
		if err := checkPath(v.Path); err != nil {
			return fmt.Errorf("manifest version %d: %w", i, err)
		}
		if !validSHA1(v.SHA1) || !validSHA1(v.RemoteSHA1) {
			return fmt.Errorf("manifest version %q: content hash is not 40 hex digits", v.Path)
		}
	}
	return nil
}

// checkPath accepts a clean relative slash path without "." or ".." parts
// or NUL bytes. It makes one pass and allocates nothing (it runs once per
// entry inside Wasm, where loop iterations are dear).
func checkPath(p string) error {
	start := 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] == 0 {
			return fmt.Errorf("path %q contains NUL", p)
		}
		if i < len(p) && p[i] != '/' {
			continue
		}
		seg := p[start:i]
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("path %q is not a clean relative path", p)
		}
		start = i + 1
	}
	return nil
}

func validSHA1(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// At resolves the tree as it was at time t: for every path, the entry or
// version whose content was current then. Deleted entries count as present
// until their DeletedAt. The result is sorted by path.
func (m *Manifest) At(t time.Time) []Entry {
	ts := t.UnixNano()
	var out []Entry
	for _, e := range m.Entries {
		if e.BackedUp <= ts && (e.DeletedAt == 0 || e.DeletedAt > ts) {
			out = append(out, e)
		}
	}
	for _, v := range m.Versions {
		if v.From <= ts && ts < v.To {
			out = append(out, Entry{Path: v.Path, Size: v.Size, MTime: v.MTime, SHA1: v.SHA1,
				FileID: v.FileID, RemoteSize: v.RemoteSize, RemoteSHA1: v.RemoteSHA1, BackedUp: v.From})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	// A path can match both an entry and a version only if clocks overlap;
	// keep the newest content.
	dedup := out[:0]
	for _, e := range out {
		if n := len(dedup); n > 0 && dedup[n-1].Path == e.Path {
			if e.BackedUp > dedup[n-1].BackedUp {
				dedup[n-1] = e
			}
			continue
		}
		dedup = append(dedup, e)
	}
	return dedup
}
