package backupcore

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/glob"
)

// LocalFile is one file found by the local walk.
type LocalFile struct {
	Path  string // relative slash path
	Size  int64
	MTime int64 // Unix ns
	// Symlink is set for a link the walker did not follow; Link is its target.
	Symlink bool
	Link    string
}

// Scan is the result of walking a source folder.
type Scan struct {
	Files []LocalFile
	// Failed lists folders (relative paths, "" for the root) that could not
	// be read. Manifest entries under them are retained, never deleted: an
	// unreadable folder is not a deleted one.
	Failed []string
}

// SymlinkPolicy says what a backup does with symbolic links.
type SymlinkPolicy string

// Symlink policies. Follow is carried out by the walker (it reports the
// target as a regular file); the diff sees only Skip and Record.
const (
	SymlinkSkip   SymlinkPolicy = "skip"
	SymlinkFollow SymlinkPolicy = "follow"
	SymlinkRecord SymlinkPolicy = "record" // store the link target as a small file
)

// DeletionPolicy says what happens on the drive when a local file is gone.
type DeletionPolicy string

// Deletion policies.
const (
	DeleteKeep   DeletionPolicy = "keep"   // never remove from the drive
	DeleteTrash  DeletionPolicy = "trash"  // trash once missing for TrashAfter
	DeleteMirror DeletionPolicy = "mirror" // trash at once
)

// Options tune a diff.
type Options struct {
	Filter      *glob.Filter // nil selects everything
	Symlinks    SymlinkPolicy
	MaxFileSize int64 // 0: no limit
	Deletion    DeletionPolicy
	TrashAfter  time.Duration
	// VersionsDir is the top-level drive folder for kept versions; a local
	// top-level entry of that name is skipped as reserved.
	VersionsDir string
}

// Validate checks the policies.
func (o *Options) Validate() error {
	switch o.Symlinks {
	case SymlinkSkip, SymlinkFollow, SymlinkRecord:
	default:
		return fmt.Errorf("symlinks: %q is not skip, follow or record", o.Symlinks)
	}
	switch o.Deletion {
	case DeleteKeep, DeleteTrash, DeleteMirror:
	default:
		return fmt.Errorf("deletion: %q is not keep, trash or mirror", o.Deletion)
	}
	if o.MaxFileSize < 0 || o.TrashAfter < 0 {
		return fmt.Errorf("max_file_size and trash_after_days must not be negative")
	}
	return nil
}

// Reason says why a file is uploaded.
type Reason string

// Upload reasons.
const (
	ReasonNew     Reason = "new"
	ReasonChanged Reason = "changed"
)

// Upload is a file to send. Prev is the entry it replaces (changed files).
type Upload struct {
	File   LocalFile
	Reason Reason
	Prev   *Entry
}

// Rename is a new local file that looks like a vanished entry moved (same
// size and mtime). The executor confirms by hash before moving the drive
// file, and falls back to an upload when the hash differs.
type Rename struct {
	From Entry
	To   LocalFile
}

// Skip is a local file the backup leaves out, with the reason.
type Skip struct {
	Path   string
	Reason string
}

// Plan is what a backup run must do.
type Plan struct {
	Uploads  []Upload
	Renames  []Rename
	Removals []Entry  // remove from the drive now (trash, or move to versions)
	Marked   []string // newly missing: set DeletedAt
	Revived  []string // missing before, back unchanged: clear DeletedAt
	Skipped  []Skip
	// Unchanged files, Retained entries (under unreadable folders or now
	// excluded) and Pending deletions waiting for TrashAfter.
	Unchanged, Retained, Pending, Excluded int
	UploadBytes                            int64
}

// Empty reports whether the plan changes nothing (the manifest need not be
// saved).
func (p *Plan) Empty() bool {
	return len(p.Uploads) == 0 && len(p.Renames) == 0 && len(p.Removals) == 0 &&
		len(p.Marked) == 0 && len(p.Revived) == 0
}

// Diff compares a scan with the manifest. m.Entries must be sorted; the
// scan's files are sorted in place if they are not.
func Diff(m *Manifest, scan *Scan, o Options, now time.Time) *Plan {
	files := scan.Files
	if !sort.SliceIsSorted(files, func(i, j int) bool { return files[i].Path < files[j].Path }) {
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	}
	p := &Plan{}
	// retain: local files present but left out; fresh: files without an
	// entry (all of them in a first run).
	retain := map[string]bool{}
	fresh := make([]LocalFile, 0, max(0, len(files)-len(m.Entries)))
	var vanished []Entry // entry, no local file
	i, j := 0, 0
	for i < len(files) || j < len(m.Entries) {
		switch {
		case j == len(m.Entries) || (i < len(files) && files[i].Path < m.Entries[j].Path):
			f := files[i]
			i++
			if p.selectFile(f, o, retain) {
				fresh = append(fresh, f)
			}
		case i == len(files) || m.Entries[j].Path < files[i].Path:
			vanished = append(vanished, m.Entries[j])
			j++
		default:
			f, e := files[i], &m.Entries[j]
			i++
			j++
			if !p.selectFile(f, o, retain) {
				p.Retained++
				continue
			}
			switch {
			case f.Size != e.Size || f.MTime != e.MTime || f.Link != e.Link:
				prev := *e
				p.Uploads = append(p.Uploads, Upload{File: f, Reason: ReasonChanged, Prev: &prev})
				p.UploadBytes += f.Size
			case e.DeletedAt != 0:
				p.Revived = append(p.Revived, e.Path)
			default:
				p.Unchanged++
			}
		}
	}
	vanished = p.matchRenames(fresh, vanished)
	for _, e := range vanished {
		if underAny(e.Path, scan.Failed) || retain[e.Path] {
			p.Retained++
			continue
		}
		switch {
		case o.Deletion == DeleteMirror:
			p.Removals = append(p.Removals, e)
		case e.DeletedAt == 0:
			p.Marked = append(p.Marked, e.Path)
		case o.Deletion == DeleteTrash && now.UnixNano()-e.DeletedAt >= int64(o.TrashAfter):
			p.Removals = append(p.Removals, e)
		default:
			p.Pending++
		}
	}
	return p
}

// selectFile applies filter, reserved names, symlink and size policies. A
// file left out is recorded in retain (so its entry is not deleted) and,
// except for plain exclusions, in Skipped.
func (p *Plan) selectFile(f LocalFile, o Options, retain map[string]bool) bool {
	reason := ""
	switch {
	case o.VersionsDir != "" && (f.Path == o.VersionsDir || strings.HasPrefix(f.Path, o.VersionsDir+"/")):
		reason = "reserved: the drive's versions folder has this name"
	case !o.Filter.IncludeFile(f.Path):
		p.Excluded++
		retain[f.Path] = true
		return false
	case f.Symlink && o.Symlinks != SymlinkRecord:
		reason = "symlink (symlinks: skip)"
	case o.MaxFileSize > 0 && f.Size > o.MaxFileSize:
		reason = fmt.Sprintf("%d bytes is over max_file_size %d", f.Size, o.MaxFileSize)
	default:
		return true
	}
	retain[f.Path] = true
	p.Skipped = append(p.Skipped, Skip{Path: f.Path, Reason: reason})
	return false
}

type sizeTime struct{ size, mtime int64 }

// matchRenames pairs new files with vanished entries of the same non-zero
// size and mtime (when the pairing is unique) and returns the vanished
// entries left over. Unpaired new files become uploads.
func (p *Plan) matchRenames(fresh []LocalFile, vanished []Entry) []Entry {
	byKey := map[sizeTime]int{} // index into vanished, -1 when ambiguous
	for k, e := range vanished {
		if e.Size == 0 || e.Link != "" || e.SHA1 == "" {
			continue
		}
		key := sizeTime{e.Size, e.MTime}
		if _, dup := byKey[key]; dup {
			byKey[key] = -1
		} else {
			byKey[key] = k
		}
	}
	freshCount := map[sizeTime]int{}
	for _, f := range fresh {
		freshCount[sizeTime{f.Size, f.MTime}]++
	}
	used := make([]bool, len(vanished))
	p.Uploads = slices.Grow(p.Uploads, len(fresh))
	for _, f := range fresh {
		key := sizeTime{f.Size, f.MTime}
		if k, ok := byKey[key]; ok && k >= 0 && freshCount[key] == 1 && !f.Symlink {
			used[k] = true
			p.Renames = append(p.Renames, Rename{From: vanished[k], To: f})
			continue
		}
		p.Uploads = append(p.Uploads, Upload{File: f, Reason: ReasonNew})
		p.UploadBytes += f.Size
	}
	left := vanished[:0]
	for k, e := range vanished {
		if !used[k] {
			left = append(left, e)
		}
	}
	return left
}

// underAny reports whether path is inside one of the folders ("" = root).
func underAny(path string, folders []string) bool {
	for _, d := range folders {
		if d == "" || path == d || strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}
