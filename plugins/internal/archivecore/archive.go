// Package archivecore plans rule-based archiving: which drive files a rule
// selects, where each goes (a destination pattern with date parts), and
// what happens when the destination name is taken. It does no I/O: the
// archive plugin lists the drive, calls Plan, and carries the ops out (or
// only reports them on a dry run).
package archivecore

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/match"
)

// Actions.
const (
	ActionCopy = "copy"
	ActionMove = "move"
)

// Conflict policies for a destination name that is already taken.
const (
	ConflictSkip      = "skip"
	ConflictRename    = "rename"    // "name (1).ext", "name (2).ext", ...
	ConflictOverwrite = "overwrite" // trash the existing file first
)

// Rule is one archiving rule of the plugin's config.
type Rule struct {
	Name   string     `json:"name"`
	Folder string     `json:"folder"` // drive subtree scanned (absolute path)
	When   match.Cond `json:"when"`
	Action string     `json:"action"` // copy (default) or move
	// Dest is the destination folder pattern: {yyyy} {yy} {mm} {dd} from
	// the file's date, {ext} and {category}, e.g. "/Archive/{yyyy}/{mm}".
	Dest     string `json:"dest"`
	DateFrom string `json:"date_from"` // updated (default) or created
	Conflict string `json:"conflict"`  // skip (default), rename, overwrite
}

// Compiled is a checked Rule.
type Compiled struct {
	Rule
	m *match.Matcher
	// destRoot is Dest up to its first placeholder's folder: files already
	// inside it are never archived again.
	destRoot string
}

var placeholders = map[string]bool{"yyyy": true, "yy": true, "mm": true, "dd": true, "ext": true, "category": true}

// Compile validates r and fills its defaults.
func (r Rule) Compile() (*Compiled, error) {
	if r.Action == "" {
		r.Action = ActionCopy
	}
	if r.DateFrom == "" {
		r.DateFrom = "updated"
	}
	if r.Conflict == "" {
		r.Conflict = ConflictSkip
	}
	where := fmt.Sprintf("rule %q", r.Name)
	switch {
	case r.Action != ActionCopy && r.Action != ActionMove:
		return nil, fmt.Errorf("%s: action %q is not copy or move", where, r.Action)
	case r.DateFrom != "updated" && r.DateFrom != "created":
		return nil, fmt.Errorf("%s: date_from %q is not updated or created", where, r.DateFrom)
	case r.Conflict != ConflictSkip && r.Conflict != ConflictRename && r.Conflict != ConflictOverwrite:
		return nil, fmt.Errorf("%s: conflict %q is not skip, rename or overwrite", where, r.Conflict)
	case !strings.HasPrefix(r.Folder, "/"):
		return nil, fmt.Errorf("%s: folder %q must be an absolute drive path", where, r.Folder)
	case !strings.HasPrefix(r.Dest, "/"):
		return nil, fmt.Errorf("%s: dest %q must be an absolute drive path", where, r.Dest)
	}
	if err := checkPattern(r.Dest); err != nil {
		return nil, fmt.Errorf("%s: dest: %w", where, err)
	}
	m, err := r.When.Compile()
	if err != nil {
		return nil, fmt.Errorf("%s: when: %w", where, err)
	}
	root := r.Dest
	if i := strings.IndexByte(root, '{'); i >= 0 {
		root = path.Dir(root[:i] + "x")
	}
	return &Compiled{Rule: r, m: m, destRoot: path.Clean(root)}, nil
}

func checkPattern(p string) error {
	rest := p
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			if strings.ContainsRune(rest, '}') {
				return fmt.Errorf("unmatched } in %q", p)
			}
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("unterminated { in %q", p)
		}
		if name := rest[i+1 : i+j]; !placeholders[name] {
			return fmt.Errorf("unknown placeholder {%s} (use yyyy, yy, mm, dd, ext, category)", name)
		}
		rest = rest[i+j+1:]
	}
}

// DestDir expands the destination pattern for f.
func (c *Compiled) DestDir(f *match.File) string {
	t := f.Updated
	if c.DateFrom == "created" {
		t = f.Created
	}
	ext := f.Ext
	if ext == "" {
		ext = "noext"
	}
	cat := f.Category
	if cat == "" {
		cat = "others"
	}
	r := strings.NewReplacer("{yyyy}", t.Format("2006"), "{yy}", t.Format("06"), "{mm}", t.Format("01"),
		"{dd}", t.Format("02"), "{ext}", ext, "{category}", cat)
	return path.Clean(r.Replace(c.Dest))
}

// Op is one planned copy or move.
type Op struct {
	Rule    string
	Action  string
	File    match.File
	DestDir string
	Name    string // final name in DestDir
	// ReplaceID is the file to trash first (conflict overwrite).
	ReplaceID string
}

// Skipped is a selected file the plan leaves alone, with the reason.
type Skipped struct {
	Rule   string
	Path   string
	Reason string
}

// Existing returns the names (name → file id) in a drive folder; an absent
// folder is an empty map. Plan calls it once per destination folder.
type Existing func(dir string) (map[string]string, error)

// Plan selects the files of one rule and plans their ops in path order.
// files are the folder's subtree (folders are ignored).
func (c *Compiled) Plan(files []match.File, now time.Time, existing Existing) ([]Op, []Skipped, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	dirs := map[string]map[string]string{}
	var ops []Op
	var skipped []Skipped
	base := strings.TrimSuffix(c.Folder, "/") + "/"
	for i := range files {
		f := &files[i]
		if f.Folder || !strings.HasPrefix(f.Path, base) {
			continue
		}
		if f.Path == c.destRoot || strings.HasPrefix(f.Path, c.destRoot+"/") {
			continue // already archived
		}
		if !c.m.Match(f, strings.TrimPrefix(f.Path, base), now) {
			continue
		}
		dest := c.DestDir(f)
		names, ok := dirs[dest]
		if !ok {
			var err error
			if names, err = existing(dest); err != nil {
				return nil, nil, fmt.Errorf("rule %q: list %s: %w", c.Name, dest, err)
			}
			if names == nil {
				names = map[string]string{}
			}
			dirs[dest] = names
		}
		op := Op{Rule: c.Name, Action: c.Action, File: *f, DestDir: dest, Name: f.Name}
		if id, taken := names[f.Name]; taken {
			switch c.Conflict {
			case ConflictSkip:
				skipped = append(skipped, Skipped{c.Name, f.Path, "exists in " + dest})
				continue
			case ConflictOverwrite:
				if id == f.ID {
					continue
				}
				op.ReplaceID = id
			case ConflictRename:
				op.Name = FreeName(f.Name, names)
			}
		}
		names[op.Name] = "planned"
		ops = append(ops, op)
	}
	return ops, skipped, nil
}

// FreeName returns name, or "stem (n).ext" with the smallest n ≥ 1 not in
// taken.
func FreeName(name string, taken map[string]string) string {
	if _, ok := taken[name]; !ok {
		return name
	}
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" { // ".bashrc"
		stem, ext = name, ""
	}
	for n := 1; ; n++ {
		c := stem + " (" + strconv.Itoa(n) + ")" + ext
		if _, ok := taken[c]; !ok {
			return c
		}
	}
}
