// Package glob matches slash-separated relative paths against shell-style
// patterns with "**", and combines include and exclude lists into a Filter.
//
// Syntax, per path segment: "*" matches any run of characters except "/",
// "?" one character, "[a-z]" / "[^a-z]" a class (as path.Match). A segment
// that is exactly "**" matches zero or more whole segments. A pattern with no
// "/" matches the last segment (the base name) at any depth, the way
// .gitignore does: "*.tmp" matches "a/b/c.tmp". A leading "/" anchors a
// pattern to the root and is otherwise ignored; a trailing "/" is ignored.
package glob

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrBadPattern reports a malformed pattern (an unterminated class, for example).
var ErrBadPattern = errors.New("glob: bad pattern")

// Pattern is a compiled pattern. The zero value matches nothing.
type Pattern struct {
	src      string
	segs     []string
	baseOnly bool // no "/": match the base name only
}

// Compile parses a pattern. Empty patterns are refused.
func Compile(pattern string) (Pattern, error) {
	p := strings.TrimSuffix(strings.TrimPrefix(pattern, "/"), "/")
	if p == "" {
		return Pattern{}, fmt.Errorf("%w: %q is empty", ErrBadPattern, pattern)
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		if s == "" {
			return Pattern{}, fmt.Errorf("%w: %q has an empty segment", ErrBadPattern, pattern)
		}
		if s == "**" {
			continue
		}
		if _, err := path.Match(s, ""); err != nil {
			return Pattern{}, fmt.Errorf("%w: %q: segment %q: %v", ErrBadPattern, pattern, s, err)
		}
	}
	return Pattern{src: pattern, segs: segs, baseOnly: !strings.HasPrefix(pattern, "/") && len(segs) == 1 && segs[0] != "**"}, nil
}

// MustCompile is Compile that panics; for patterns fixed in code.
func MustCompile(pattern string) Pattern {
	p, err := Compile(pattern)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.src }

// Match reports whether the relative slash path name matches p.
func (p Pattern) Match(name string) bool {
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

// Filter is an include list and an exclude list. A file is selected when it
// matches no exclude and either the include list is empty or it matches one
// include. A folder is pruned when it matches an exclude.
type Filter struct {
	include []Pattern
	exclude []Pattern
}

// NewFilter compiles include and exclude patterns.
func NewFilter(include, exclude []string) (*Filter, error) {
	f := &Filter{}
	for _, s := range include {
		p, err := Compile(s)
		if err != nil {
			return nil, fmt.Errorf("include: %w", err)
		}
		f.include = append(f.include, p)
	}
	for _, s := range exclude {
		p, err := Compile(s)
		if err != nil {
			return nil, fmt.Errorf("exclude: %w", err)
		}
		f.exclude = append(f.exclude, p)
	}
	return f, nil
}

// Excluded reports whether name (file or folder) matches an exclude pattern.
func (f *Filter) Excluded(name string) bool {
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
func (f *Filter) IncludeFile(name string) bool {
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
