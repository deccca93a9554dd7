package build

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
)

// errNoModuleLine is MinimalGoMod's answer for a go.mod without one.
var errNoModuleLine = errors.New("go.mod has no module line")

// MinimalGoMod reduces a go.mod to its module, go and toolchain lines and
// the requirements (and replacements) of the modules providing imports, so
// a tree holding a few packages of a big module builds without the rest of
// its dependency graph. A module provides an import when it is the
// longest required module path equal to the import or a prefix of it
// followed by "/". The module's own packages and the standard library need
// no requirement. go.sum may stay whole: extra lines are harmless.
func MinimalGoMod(gomod []byte, imports []string) ([]byte, error) {
	var (
		module, header string
		reqs           []requirement
		replaces       []string
		block          string // "require", "replace" or "" outside a ( ) block
	)
	for _, raw := range strings.Split(string(gomod), "\n") {
		line := strings.TrimSpace(stripComment(raw))
		if line == "" {
			continue
		}
		if block != "" {
			if line == ")" {
				block = ""
				continue
			}
			reqs, replaces = directive(block, line, reqs, replaces)
			continue
		}
		verb, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch verb {
		case "module":
			module = unquote(rest)
			header = line + "\n\n" + header
		case "go", "toolchain":
			header += line + "\n"
		case "require", "replace":
			if rest == "(" {
				block = verb
				continue
			}
			reqs, replaces = directive(verb, rest, reqs, replaces)
		}
	}
	if module == "" {
		return nil, errNoModuleLine
	}
	need := map[string]bool{}
	for _, imp := range imports {
		if isStdlib(imp) || imp == module || strings.HasPrefix(imp, module+"/") {
			continue
		}
		best := ""
		for _, r := range reqs {
			if (imp == r.path || strings.HasPrefix(imp, r.path+"/")) && len(r.path) > len(best) {
				best = r.path
			}
		}
		if best == "" {
			return nil, fmt.Errorf("go.mod requires no module providing %q", imp)
		}
		need[best] = true
	}
	var b bytes.Buffer
	b.WriteString(header)
	writeBlock(&b, "require", reqs, func(r requirement) (string, bool) { return r.path + " " + r.version, need[r.path] })
	var kept []string
	for _, r := range replaces {
		old, _, _ := strings.Cut(r, " ")
		if need[unquote(old)] {
			kept = append(kept, r)
		}
	}
	writeBlock(&b, "replace", kept, func(r string) (string, bool) { return r, true })
	return b.Bytes(), nil
}

// requirement is one require line.
type requirement struct{ path, version string }

// directive adds one require or replace line (without its verb).
func directive(verb, line string, reqs []requirement, replaces []string) ([]requirement, []string) {
	if verb == "replace" {
		return reqs, append(replaces, line)
	}
	f := strings.Fields(line)
	if len(f) >= 2 {
		reqs = append(reqs, requirement{path: unquote(f[0]), version: unquote(f[1])})
	}
	return reqs, replaces
}

// writeBlock writes the kept items as one ( ) block of verb.
func writeBlock[T any](b *bytes.Buffer, verb string, items []T, keep func(T) (string, bool)) {
	var lines []string
	for _, it := range items {
		if s, ok := keep(it); ok {
			lines = append(lines, s)
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s (\n", verb)
	for _, l := range lines {
		fmt.Fprintf(b, "\t%s\n", l)
	}
	b.WriteString(")\n")
}

func stripComment(s string) string {
	if i := strings.Index(s, "//"); i >= 0 {
		return s[:i]
	}
	return s
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// isStdlib reports whether an import path belongs to the standard library
// (its first element has no dot).
func isStdlib(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

// importsOf lists the imports of one Go file's source.
func importsOf(name string, src []byte) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	out := make([]string, 0, len(f.Imports))
	for _, imp := range f.Imports {
		if p, err := strconv.Unquote(imp.Path.Value); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}
