package backupcore

import (
	"slices"
	"sort"
	"sync"
)

// Changes collects the outcome of a run (entries set or removed, versions
// kept) and applies them to a manifest in one sorted merge, so recording
// 10,000 uploads costs O(n log n), not O(n²). Safe for concurrent use.
type Changes struct {
	mu       sync.Mutex
	set      map[string]Entry
	removed  map[string]bool
	versions []Version
}

// NewChanges returns an empty change set.
func NewChanges() *Changes {
	return &Changes{set: map[string]Entry{}, removed: map[string]bool{}}
}

// Set records e as the current entry of e.Path.
func (c *Changes) Set(e Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.removed, e.Path)
	c.set[e.Path] = e
}

// Remove drops the entry of path.
func (c *Changes) Remove(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.set, path)
	c.removed[path] = true
}

// AddVersion records a kept version.
func (c *Changes) AddVersion(v Version) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.versions = append(c.versions, v)
}

// Len is the number of recorded changes.
func (c *Changes) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.set) + len(c.removed) + len(c.versions)
}

// Apply merges the changes into m, keeping Entries sorted.
func (c *Changes) Apply(m *Manifest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.set) == 0 && len(c.removed) == 0 && len(c.versions) == 0 {
		return
	}
	add := make([]Entry, 0, len(c.set))
	for _, e := range c.set {
		add = append(add, e)
	}
	sort.Slice(add, func(i, j int) bool { return add[i].Path < add[j].Path })
	m.Entries = mergeEntries(m.Entries, add, c.removed)
	if len(c.versions) > 0 {
		m.Versions = append(m.Versions, c.versions...)
		sort.SliceStable(m.Versions, func(i, j int) bool {
			a, b := &m.Versions[i], &m.Versions[j]
			if a.Path != b.Path {
				return a.Path < b.Path
			}
			return a.From < b.From
		})
	}
}

// mergeEntries merges sorted add into sorted entries in place, dropping
// the paths in removed, and returns the result. A checkpoint runs it on
// every save of a long backup: entries grows by amortised doubling rather
// than into a new slice each time, whose ever larger blocks the collector
// (inside Wasm, with no compaction) could not reuse.
func mergeEntries(entries, add []Entry, removed map[string]bool) []Entry {
	// Replace the entries add updates; what is left of add is new paths.
	fresh := add[:0]
	i := 0
	for _, a := range add {
		for i < len(entries) && entries[i].Path < a.Path {
			i++
		}
		if i < len(entries) && entries[i].Path == a.Path {
			entries[i] = a
			continue
		}
		fresh = append(fresh, a)
	}
	if len(removed) > 0 {
		kept := entries[:0]
		for _, e := range entries {
			if !removed[e.Path] {
				kept = append(kept, e)
			}
		}
		clear(entries[len(kept):]) // let the dropped strings go
		entries = kept
	}
	// Merge the new paths from the back into the grown slice.
	n := len(entries)
	entries = slices.Grow(entries, len(fresh))[:n+len(fresh)]
	k, i, j := len(entries)-1, n-1, len(fresh)-1
	for j >= 0 {
		if i >= 0 && entries[i].Path > fresh[j].Path {
			entries[k] = entries[i]
			i--
		} else {
			entries[k] = fresh[j]
			j--
		}
		k--
	}
	return entries
}

// VersionOf turns a replaced entry into a version current until to.
func VersionOf(e Entry, fileID string, to int64) Version {
	return Version{Path: e.Path, Size: e.Size, MTime: e.MTime, SHA1: e.SHA1, FileID: fileID,
		RemoteSize: e.RemoteSize, RemoteSHA1: e.RemoteSHA1, From: e.BackedUp, To: to}
}
