// Package match selects drive files by name glob, extension, category,
// size and age: the file conditions shared by the archive and cleanup
// plugins' rules. It also parses the human durations ("30d", "12h") and
// sizes ("10MiB") their configs use.
package match

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/glob"
)

// File is the part of a drive file the rules look at.
type File struct {
	ID       string
	Path     string // absolute drive path
	Name     string
	Ext      string // lower case, without the dot
	Category string // image, video, audio, doc, zip, app, others
	Size     int64
	Hash     string // SHA-1 content hash, upper-case hex
	Created  time.Time
	Updated  time.Time
	Folder   bool
}

// ExtOf returns the lower-case extension of name without the dot.
func ExtOf(name string) string {
	return strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
}

// Cond is a set of conditions; every set condition must hold. The zero
// Cond matches every file.
type Cond struct {
	Names      []string `json:"names,omitempty"`      // globs on the path below the rule's folder
	Extensions []string `json:"extensions,omitempty"` // "pdf", ".PDF" (case-insensitive)
	Categories []string `json:"categories,omitempty"`
	MinSize    Size     `json:"min_size,omitempty"`
	MaxSize    Size     `json:"max_size,omitempty"` // 0: no limit
	// OlderThan / NewerThan compare the updated time; CreatedOlderThan the
	// created time.
	OlderThan        Duration `json:"older_than,omitempty"`
	NewerThan        Duration `json:"newer_than,omitempty"`
	CreatedOlderThan Duration `json:"created_older_than,omitempty"`
}

// Matcher is a compiled Cond.
type Matcher struct {
	c     Cond
	names []glob.Pattern
	exts  map[string]bool
	cats  map[string]bool
}

// Compile checks and compiles c.
func (c Cond) Compile() (*Matcher, error) {
	m := &Matcher{c: c}
	for _, n := range c.Names {
		p, err := glob.Compile(n)
		if err != nil {
			return nil, fmt.Errorf("names: %w", err)
		}
		m.names = append(m.names, p)
	}
	if len(c.Extensions) > 0 {
		m.exts = map[string]bool{}
		for _, e := range c.Extensions {
			m.exts[strings.ToLower(strings.TrimPrefix(e, "."))] = true
		}
	}
	if len(c.Categories) > 0 {
		m.cats = map[string]bool{}
		for _, e := range c.Categories {
			m.cats[strings.ToLower(e)] = true
		}
	}
	if c.MinSize < 0 || c.MaxSize < 0 || (c.MaxSize > 0 && c.MaxSize < c.MinSize) {
		return nil, fmt.Errorf("size: min_size %d and max_size %d make an empty range", c.MinSize, c.MaxSize)
	}
	if c.OlderThan < 0 || c.NewerThan < 0 || c.CreatedOlderThan < 0 {
		return nil, fmt.Errorf("ages must not be negative")
	}
	return m, nil
}

// Match reports whether f (rel is its path below the rule's folder) meets
// every condition at time now.
func (m *Matcher) Match(f *File, rel string, now time.Time) bool {
	if len(m.names) > 0 {
		ok := false
		for _, p := range m.names {
			if p.Match(rel) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if m.exts != nil && !m.exts[f.Ext] {
		return false
	}
	if m.cats != nil && !m.cats[strings.ToLower(f.Category)] {
		return false
	}
	c := m.c
	switch {
	case f.Size < int64(c.MinSize), c.MaxSize > 0 && f.Size > int64(c.MaxSize):
		return false
	case c.OlderThan > 0 && now.Sub(f.Updated) < time.Duration(c.OlderThan):
		return false
	case c.NewerThan > 0 && now.Sub(f.Updated) >= time.Duration(c.NewerThan):
		return false
	case c.CreatedOlderThan > 0 && now.Sub(f.Created) < time.Duration(c.CreatedOlderThan):
		return false
	}
	return true
}

// Duration is a time.Duration read from JSON as "30d", "12h", "1h30m" or a
// number of seconds.
type Duration time.Duration

// ParseDuration parses "30d", "2w", Go durations and plain seconds.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return 0, fmt.Errorf("%q is not a duration like 30d, 12h or 90m", s)
			}
			return time.Duration(v * float64(unit)), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(v * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("%q is not a duration like 30d, 12h or 90m", s)
}

// UnmarshalJSON accepts a string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n float64
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("duration: want a string like \"30d\" or seconds, got %s", b)
		}
		*d = Duration(n * float64(time.Second))
		return nil
	}
	v, err := ParseDuration(s)
	*d = Duration(v)
	return err
}

// Size is a byte count read from JSON as a number or "10MiB", "2GB", "512k".
type Size int64

// ParseSize parses sizes with optional B, K/KB/KiB, M…, G…, T… suffixes
// (all binary multiples).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMGT", t[n-1]); i >= 0 {
			mult = int64(1) << (10 * (i + 1))
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(v >= 0) || v*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q is not a size like 4096, 10MiB or 2GB", s)
	}
	return int64(v * float64(mult)), nil
}

// UnmarshalJSON accepts a number or a string.
func (z *Size) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("size: want a number or a string like \"10MiB\", got %s", b)
		}
		*z = Size(n)
		return nil
	}
	v, err := ParseSize(s)
	*z = Size(v)
	return err
}
