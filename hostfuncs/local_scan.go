package hostfuncs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// wd_local_scan walks a granted host folder natively and compares it with
// an index the plugin keeps in its own KV, so a backup's no-change rerun
// costs one host call and a Go walk instead of a listing the plugin decodes
// and compares entry by entry inside Wasm. The plugin owns the index (it
// writes it with its manifest and flips both at once); the host only reads.

// maxScanSkipped caps the skipped files one page lists.
const maxScanSkipped = 1000

func localScan(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.LocalScanRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	s, err := newScanner(ctx, env, &req)
	if err != nil {
		return nil, err
	}
	if err := s.walk(); err != nil {
		return nil, err
	}
	s.collectMissing()
	return s.res, nil
}

// scanner is one page of a wd_local_scan.
type scanner struct {
	ctx    context.Context
	env    *Env
	req    *abi.LocalScanRequest
	root   string
	filter *abi.GlobFilter
	limit  int

	recs  []abi.ScanRecord
	index map[string]int // path → recs index
	seen  []bool
	// left holds the folders (relative) whose files are neither reported
	// nor missing: pruned by an exclude, or unreadable.
	left map[string]bool

	res      *abi.LocalScanResult
	lastDone string // last path processed; the next page starts after it
	full     bool
}

func newScanner(ctx context.Context, env *Env, req *abi.LocalScanRequest) (*scanner, error) {
	switch req.Symlinks {
	case "", abi.ScanSymlinksSkip, abi.ScanSymlinksFollow, abi.ScanSymlinksRecord:
	default:
		return nil, badArg("symlinks: %q is not skip, follow or record", req.Symlinks)
	}
	if !filepath.IsAbs(req.Path) {
		return nil, badArg("path %q must be an absolute host path", req.Path)
	}
	if req.MaxSize < 0 {
		return nil, badArg("max_size must not be negative")
	}
	filter, err := abi.NewGlobFilter(req.Include, req.Exclude)
	if err != nil {
		return nil, badArg("%v", err)
	}
	root, err := env.Grant.CheckLocal(LocalRead, req.Path)
	if err != nil {
		return nil, err
	}
	s := &scanner{ctx: ctx, env: env, req: req, root: root, filter: filter, limit: req.Limit,
		index: map[string]int{}, left: map[string]bool{}, res: &abi.LocalScanResult{Files: []abi.ScanFile{}}}
	if s.limit <= 0 || s.limit > abi.MaxLocalScanFiles {
		s.limit = abi.MaxLocalScanFiles
	}
	if len(req.Index) > 0 {
		if err := s.loadIndex(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// loadIndex reads and decodes the index from the plugin's KV.
func (s *scanner) loadIndex() error {
	if err := s.env.Grant.CheckFunction(abi.FnKVGet); err != nil {
		return fmt.Errorf("read the scan index: %w", err)
	}
	var data []byte
	for _, key := range s.req.Index {
		if err := s.env.kvReady(key); err != nil {
			return err
		}
		e, err := s.env.KV.Get(s.ctx, s.env.kvKey(key))
		if err != nil {
			return fmt.Errorf("read scan index key %q: %w", key, err)
		}
		if len(data)+len(e.Value) > abi.MaxScanIndexBytes {
			return badArg("scan index is over %d bytes", abi.MaxScanIndexBytes)
		}
		data = append(data, e.Value...)
	}
	err := abi.DecodeScanIndex(data, func(r abi.ScanRecord) {
		if i, ok := s.index[r.Path]; ok {
			s.recs[i] = r // a later record replaces an earlier one
			return
		}
		s.index[r.Path] = len(s.recs)
		s.recs = append(s.recs, r)
	})
	if err != nil {
		return badArg("scan index in KV %v: %v", s.req.Index, err)
	}
	s.seen = make([]bool, len(s.recs))
	return nil
}

func (s *scanner) walk() error {
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if cerr := s.ctx.Err(); cerr != nil {
			return cerr
		}
		if p == s.root {
			return err // an unreadable root fails the scan
		}
		rel := filepath.ToSlash(p[len(s.root)+1:])
		if err != nil {
			if d != nil && d.IsDir() {
				s.left[rel] = true
				s.res.Failed = append(s.res.Failed, rel)
			}
			return nil
		}
		if m := s.req.Marker; m != "" {
			// Entries up to the marker were on earlier pages.
			if c := walkCompare(rel, m); c <= 0 {
				if d.IsDir() && !strings.HasPrefix(m, rel+"/") {
					return fs.SkipDir
				}
				return nil
			}
		}
		if d.IsDir() {
			if s.filter.Excluded(rel) {
				s.left[rel] = true
				s.res.Excluded++
				return fs.SkipDir
			}
			return nil
		}
		return s.file(p, rel, d)
	})
	if errors.Is(err, errPageFull) {
		s.full = true
		s.res.NextMarker = s.lastDone
		return nil
	}
	if err != nil {
		return fmt.Errorf("scan %s: %w", s.req.Path, err)
	}
	return nil
}

// file compares one walked file with its record, or filters a new one.
func (s *scanner) file(p, rel string, d fs.DirEntry) error {
	f, skip, ok := s.stat(p, rel, d)
	if !ok {
		return nil
	}
	if i, known := s.index[rel]; known {
		s.seen[i] = true
		r := &s.recs[i]
		if skip == "" && r.Flags&abi.ScanFlagReport == 0 && r.Size == f.Size && r.MTime == f.MTime && r.Link == f.Link {
			s.res.Unchanged++
			s.lastDone = rel
			return nil
		}
		if skip != "" {
			// A recorded file the policy now leaves out stays as it was.
			s.lastDone = rel
			return nil
		}
		return s.report(f)
	}
	switch {
	case !s.filter.IncludeFile(rel):
		s.res.Excluded++
	case skip == "" && s.req.MaxSize > 0 && f.Size > s.req.MaxSize:
		skip = fmt.Sprintf("%d bytes is over max_file_size %d", f.Size, s.req.MaxSize)
		fallthrough
	case skip != "":
		if len(s.res.Skipped) < maxScanSkipped {
			s.res.Skipped = append(s.res.Skipped, abi.ScanSkip{Path: rel, Reason: skip})
		}
	default:
		return s.report(f)
	}
	s.lastDone = rel
	return nil
}

// stat describes a walked entry under the symlink policy; skip is the
// reason a link is left out, ok=false means "not a file" (devices,
// vanished files).
func (s *scanner) stat(p, rel string, d fs.DirEntry) (f abi.ScanFile, skip string, ok bool) {
	f.Path = rel
	typ := d.Type()
	switch {
	case typ.IsRegular():
		info, err := d.Info()
		if err != nil {
			return f, "", false // vanished since the folder was read
		}
		f.Size, f.MTime = info.Size(), info.ModTime().UnixNano()
		return f, "", true
	case typ&fs.ModeSymlink == 0:
		return f, "", false // devices, sockets and pipes
	}
	f.Symlink = true
	switch s.req.Symlinks {
	case abi.ScanSymlinksRecord:
		info, err := os.Lstat(p)
		if err != nil {
			return f, "", false
		}
		if f.Link, err = os.Readlink(p); err != nil {
			return f, "", false
		}
		f.Size, f.MTime = info.Size(), info.ModTime().UnixNano()
		return f, "", true
	case abi.ScanSymlinksFollow:
		real, err := s.env.Grant.CheckLocal(LocalRead, p)
		if err != nil {
			return f, "symlink target is missing or outside the local read grant", true
		}
		info, err := os.Stat(real)
		switch {
		case err != nil:
			return f, "symlink target cannot be read", true
		case !info.Mode().IsRegular():
			return f, "symlink to a folder or device (not followed)", true
		}
		f.Size, f.MTime = info.Size(), info.ModTime().UnixNano()
		return f, "", true
	}
	return f, "symlink (symlinks: skip)", true
}

// report adds a file to the page, or ends the page when it is full.
func (s *scanner) report(f abi.ScanFile) error {
	if len(s.res.Files) == s.limit {
		return errPageFull
	}
	s.res.Files = append(s.res.Files, f)
	s.lastDone = f.Path
	return nil
}

// collectMissing lists the records of this page's part of the walk that
// were not seen, except below pruned or unreadable folders.
func (s *scanner) collectMissing() {
	for i := range s.recs {
		r := &s.recs[i]
		switch {
		case s.seen[i] || r.Flags&abi.ScanFlagReport != 0:
		case s.req.Marker != "" && walkCompare(r.Path, s.req.Marker) <= 0:
		case s.full && walkCompare(r.Path, s.res.NextMarker) > 0:
		case s.under(r.Path):
		default:
			s.res.Missing = append(s.res.Missing, r.Path)
		}
	}
}

// under reports whether rel lies below a folder in s.left.
func (s *scanner) under(rel string) bool {
	if len(s.left) == 0 {
		return false
	}
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' && s.left[rel[:i]] {
			return true
		}
	}
	return false
}
