// Package cleanupcore plans retention and tidying of a drive: trash files
// by age, size or pattern, keep the newest N of a set, keep one copy of
// duplicate content, empty old trash items, remove empty folders. It does
// no I/O; the cleanup plugin lists the drive, calls Plan, checks the cap,
// and carries the actions out unless the run is a dry run.
package cleanupcore

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/match"
)

// Rule kinds.
const (
	KindTrash        = "trash"         // trash files meeting When
	KindKeepNewest   = "keep_newest"   // per name pattern, keep the newest Keep files
	KindDedupe       = "dedupe"        // per content hash, keep one (KeepWhich)
	KindEmptyTrash   = "empty_trash"   // delete trash items trashed longer than OlderThan
	KindEmptyFolders = "empty_folders" // trash folders with no files below them
)

// Rule is one cleanup rule of the plugin's config.
type Rule struct {
	Name   string     `json:"name"`
	Kind   string     `json:"kind"`
	Folder string     `json:"folder"` // drive subtree (absolute path); unused by empty_trash
	When   match.Cond `json:"when"`
	// Keep is how many files keep_newest keeps per pattern of When.Names
	// (one group when no names are given).
	Keep int `json:"keep"`
	// KeepWhich is "oldest" (default) or "newest" for dedupe.
	KeepWhich string `json:"keep_which"`
	// DryRun: nil means true — destructive rules only report unless the
	// config says dry_run: false.
	DryRun *bool `json:"dry_run"`
}

// Compiled is a checked rule.
type Compiled struct {
	Rule
	m *match.Matcher
}

// Compile validates r and fills its defaults.
func (r Rule) Compile() (*Compiled, error) {
	where := fmt.Sprintf("rule %q", r.Name)
	switch r.Kind {
	case KindTrash, KindKeepNewest, KindDedupe, KindEmptyFolders:
		if !strings.HasPrefix(r.Folder, "/") {
			return nil, fmt.Errorf("%s: folder %q must be an absolute drive path", where, r.Folder)
		}
	case KindEmptyTrash:
	default:
		return nil, fmt.Errorf("%s: kind %q is not trash, keep_newest, dedupe, empty_trash or empty_folders", where, r.Kind)
	}
	if r.Kind == KindKeepNewest && r.Keep < 1 {
		return nil, fmt.Errorf("%s: keep_newest needs keep ≥ 1", where)
	}
	if r.Kind == KindTrash && r.When.OlderThan == 0 && r.When.MinSize == 0 && len(r.When.Names) == 0 &&
		len(r.When.Extensions) == 0 && len(r.When.Categories) == 0 && r.When.CreatedOlderThan == 0 {
		return nil, fmt.Errorf("%s: a trash rule needs at least one condition in when (it would trash everything)", where)
	}
	if r.KeepWhich == "" {
		r.KeepWhich = "oldest"
	}
	if r.KeepWhich != "oldest" && r.KeepWhich != "newest" {
		return nil, fmt.Errorf("%s: keep_which %q is not oldest or newest", where, r.KeepWhich)
	}
	m, err := r.When.Compile()
	if err != nil {
		return nil, fmt.Errorf("%s: when: %w", where, err)
	}
	return &Compiled{Rule: r, m: m}, nil
}

// IsDryRun reports whether the rule only reports.
func (c *Compiled) IsDryRun() bool { return c.DryRun == nil || *c.DryRun }

// Op is what an action does to a file.
const (
	OpTrash  = "trash"
	OpDelete = "delete" // permanent (empty_trash)
)

// Action is one planned trash or delete.
type Action struct {
	Rule   string
	Op     string
	File   match.File
	Reason string
	DryRun bool
}

// Plan returns the rule's actions. files is the Folder's subtree (files
// and folders) for every kind but empty_trash, where it is the trash.
func (c *Compiled) Plan(files []match.File, now time.Time) []Action {
	var acts []Action
	add := func(f match.File, op, reason string) {
		acts = append(acts, Action{Rule: c.Name, Op: op, File: f, Reason: reason, DryRun: c.IsDryRun()})
	}
	base := strings.TrimSuffix(c.Folder, "/") + "/"
	var sel []match.File
	for _, f := range files {
		if c.Kind == KindEmptyTrash {
			if !f.Folder && c.m.Match(&f, f.Name, now) {
				sel = append(sel, f)
			}
			continue
		}
		if f.Folder || !strings.HasPrefix(f.Path, base) {
			continue
		}
		if c.Kind == KindKeepNewest || c.m.Match(&f, strings.TrimPrefix(f.Path, base), now) {
			sel = append(sel, f)
		}
	}
	switch c.Kind {
	case KindTrash:
		for _, f := range sel {
			add(f, OpTrash, "matches when")
		}
	case KindEmptyTrash:
		for _, f := range sel {
			add(f, OpDelete, "in trash long enough")
		}
	case KindKeepNewest:
		for _, g := range c.groups(sel, base, now) {
			sort.Slice(g, func(i, j int) bool { return newer(&g[i], &g[j]) })
			for _, f := range g[min(c.Keep, len(g)):] {
				add(f, OpTrash, fmt.Sprintf("not among the newest %d", c.Keep))
			}
		}
	case KindDedupe:
		acts = append(acts, c.dedupe(sel)...)
	case KindEmptyFolders:
		for _, f := range EmptyFolders(files, c.Folder) {
			add(f, OpTrash, "no files below it")
		}
	}
	return acts
}

// newer orders by updated time descending, then path, so plans are stable.
func newer(a, b *match.File) bool {
	if !a.Updated.Equal(b.Updated) {
		return a.Updated.After(b.Updated)
	}
	return a.Path < b.Path
}

// groups splits keep_newest's files by the first name pattern each
// matches (one group per pattern); files must also meet the rest of When.
func (c *Compiled) groups(files []match.File, base string, now time.Time) [][]match.File {
	if len(c.When.Names) == 0 {
		var g []match.File
		for _, f := range files {
			if c.m.Match(&f, strings.TrimPrefix(f.Path, base), now) {
				g = append(g, f)
			}
		}
		return [][]match.File{g}
	}
	out := make([][]match.File, len(c.When.Names))
	for _, f := range files {
		for i, n := range c.When.Names {
			cond := c.When
			cond.Names = []string{n}
			m, err := cond.Compile()
			if err == nil && m.Match(&f, strings.TrimPrefix(f.Path, base), now) {
				out[i] = append(out[i], f)
				break
			}
		}
	}
	return out
}

func (c *Compiled) dedupe(files []match.File) []Action {
	by := map[string][]match.File{}
	for _, f := range files {
		if f.Hash == "" {
			continue
		}
		k := fmt.Sprintf("%d:%s", f.Size, strings.ToUpper(f.Hash))
		by[k] = append(by[k], f)
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var acts []Action
	for _, k := range keys {
		g := by[k]
		if len(g) < 2 {
			continue
		}
		sort.Slice(g, func(i, j int) bool {
			a, b := &g[i], &g[j]
			if !a.Created.Equal(b.Created) {
				return a.Created.Before(b.Created) == (c.KeepWhich == "oldest")
			}
			return a.Path < b.Path
		})
		for _, f := range g[1:] {
			acts = append(acts, Action{Rule: c.Name, Op: OpTrash, File: f, DryRun: c.IsDryRun(),
				Reason: "duplicate of " + g[0].Path})
		}
	}
	return acts
}

// EmptyFolders returns the topmost folders strictly below root whose
// subtree holds no files, given root's subtree (files and folders).
func EmptyFolders(tree []match.File, root string) []match.File {
	root = path.Clean(root)
	hasFile := map[string]bool{}
	for _, f := range tree {
		if f.Folder {
			continue
		}
		for d := path.Dir(f.Path); d != root && d != "/" && d != "."; d = path.Dir(d) {
			if hasFile[d] {
				break
			}
			hasFile[d] = true
		}
	}
	var empty []match.File
	for _, f := range tree {
		if f.Folder && f.Path != root && strings.HasPrefix(f.Path, root+"/") && !hasFile[f.Path] {
			empty = append(empty, f)
		}
	}
	sort.Slice(empty, func(i, j int) bool { return empty[i].Path < empty[j].Path })
	top := empty[:0]
	for _, f := range empty {
		if n := len(top); n > 0 && strings.HasPrefix(f.Path, top[n-1].Path+"/") {
			continue
		}
		top = append(top, f)
	}
	return top
}

// ErrCapExceeded reports a plan larger than the run's deletion cap.
var ErrCapExceeded = errors.New("cleanup: plan exceeds max_deletes")

// Merge drops actions on a file already acted on by an earlier rule.
func Merge(plans ...[]Action) []Action {
	seen := map[string]bool{}
	var out []Action
	for _, p := range plans {
		for _, a := range p {
			if seen[a.File.ID] {
				continue
			}
			seen[a.File.ID] = true
			out = append(out, a)
		}
	}
	return out
}

// CheckCap counts the actions that would really run and refuses the whole
// run when they are more than maxDeletes: a misconfigured rule must not
// empty a drive. Dry-run actions do not count.
func CheckCap(acts []Action, maxDeletes int) error {
	n := 0
	for _, a := range acts {
		if !a.DryRun {
			n++
		}
	}
	if n > maxDeletes {
		return fmt.Errorf("%w: %d files would be removed, the cap is %d; narrow the rules or raise max_deletes", ErrCapExceeded, n, maxDeletes)
	}
	return nil
}
