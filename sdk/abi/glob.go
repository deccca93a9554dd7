// Globs: slash-separated relative paths matched against shell-style
// patterns with "**", and include and exclude lists combined into a
// GlobFilter. They are part of the ABI because wd_local_scan applies them on
// the host: plugins use the same code, so a filter means the same on both
// sides.
//
// Syntax, per path segment: "*" matches any run of characters except "/",
// "?" one character, "[a-z]" / "[^a-z]" a class (as path.Match). A segment
// that is exactly "**" matches zero or more whole segments. A pattern with no
// "/" matches the last segment (the base name) at any depth, the way
// .gitignore does: "*.tmp" matches "a/b/c.tmp". A leading "/" anchors a
// pattern to the root and is otherwise ignored; a trailing "/" is ignored.

package abi

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrBadGlob reports a malformed pattern (an unterminated class, for example).
var ErrBadGlob = errors.New("bad glob pattern")

// GlobPattern is a compiled pattern. The zero value matches nothing.
type GlobPattern struct {
	src      string
	segs     []string
	baseOnly bool // no "/": match the base name only
}

// CompileGlob parses a pattern. Empty patterns are refused.
func CompileGlob(pattern string) (GlobPattern, error) {
	p := strings.TrimSuffix(strings.TrimPrefix(pattern, "/"), "/")
	if p == "" {
		return GlobPattern{}, fmt.Errorf("%w: %q is empty", ErrBadGlob, pattern)
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		if s == "" {
			return GlobPattern{}, fmt.Errorf("%w: %q has an empty segment", ErrBadGlob, pattern)
		}
		if s == "**" {
			continue
		}
		if _, err := path.Match(s, ""); err != nil {
			return GlobPattern{}, fmt.Errorf("%w: %q: segment %q: %v", ErrBadGlob, pattern, s, err)
		}
	}
	return GlobPattern{src: pattern, segs: segs, baseOnly: !strings.HasPrefix(pattern, "/") && len(segs) == 1 && segs[0] != "**"}, nil
}

// MustCompileGlob is CompileGlob that panics; for patterns fixed in code.
func MustCompileGlob(pattern string) GlobPattern {
	p, err := CompileGlob(pattern)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern as written.
func (p GlobPattern) String() string { return p.src }

// Match reports whether the relative slash path name matches p.
func (p GlobPattern) Match(name string) bool {
	if len(p.segs) == 0 {
		return false
	}
	name = strings.Trim(name, "/")
	if p.baseOnly {
		ok, _ := path.Match(p.segs[0], path.Base(name))
		return ok
	}
	return matchSegs(p.segs, strings.Split(name, "/"))
}

// matchSegs matches pattern segments against name segments with a dynamic
// programme, so many "**" stay linear in the product of the lengths.
func matchSegs(pat, name []string) bool {
	// cur[j]: pat[i:] matches name[j:]; computed from the last i down.
	next := make([]bool, len(name)+1)
	cur := make([]bool, len(name)+1)
	next[len(name)] = true // empty pattern matches empty name
	for i := len(pat) - 1; i >= 0; i-- {
		for j := len(name); j >= 0; j-- {
			if pat[i] == "**" {
				// zero segments (next[j]) or one more (cur[j+1])
				cur[j] = next[j] || (j < len(name) && cur[j+1])
				continue
			}
			if j == len(name) {
				cur[j] = false
				continue
			}
			ok, _ := path.Match(pat[i], name[j])
			cur[j] = ok && next[j+1]
		}
		next, cur = cur, next
	}
	return next[0]
}

// GlobFilter is an include list and an exclude list. A file is selected when it
// matches no exclude and either the include list is empty or it matches one
// include. A folder is pruned when it matches an exclude.
type GlobFilter struct {
	include []GlobPattern
	exclude []GlobPattern
}

// NewGlobFilter compiles include and exclude patterns.
func NewGlobFilter(include, exclude []string) (*GlobFilter, error) {
	f := &GlobFilter{}
	for _, s := range include {
		p, err := CompileGlob(s)
		if err != nil {
			return nil, fmt.Errorf("include: %w", err)
		}
		f.include = append(f.include, p)
	}
	for _, s := range exclude {
		p, err := CompileGlob(s)
		if err != nil {
			return nil, fmt.Errorf("exclude: %w", err)
		}
		f.exclude = append(f.exclude, p)
	}
	return f, nil
}

// Excluded reports whether name (file or folder) matches an exclude pattern.
func (f *GlobFilter) Excluded(name string) bool {
	if f == nil {
		return false
	}
	for _, p := range f.exclude {
		if p.Match(name) {
			return true
		}
	}
	return false
}

// IncludeFile reports whether the file name is selected.
func (f *GlobFilter) IncludeFile(name string) bool {
	if f == nil {
		return true
	}
	if f.Excluded(name) {
		return false
	}
	if len(f.include) == 0 {
		return true
	}
	for _, p := range f.include {
		if p.Match(name) {
			return true
		}
	}
	return false
}
