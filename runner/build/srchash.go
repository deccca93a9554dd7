// Package build compiles Go plugin sources to Wasm with the standard Go
// toolchain (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared -trimpath) and
// caches the result by a hash of the sources, so an unchanged plugin is
// built once and a changed one is rebuilt on its next load.
//
// The source hash covers every file of the plugin's package and of each
// package of the same module it imports (found by parsing imports, without
// running the go command), the module's go.mod and go.sum, the Go version
// and the build flags. Dependencies outside the module are pinned by
// go.sum. Builds are serialised per source hash with a lock file, so
// several processes sharing a cache build a plugin once.
package build

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoModule means a plugin folder is not inside a Go module.
var ErrNoModule = errors.New("no go.mod found")

// Module is the Go module a plugin folder belongs to.
type Module struct {
	Root string // folder holding go.mod
	Path string // module path from go.mod
}

// FindModule walks up from dir to the nearest go.mod.
func FindModule(dir string) (Module, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Module{}, fmt.Errorf("build: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if mp, err := readModulePath(filepath.Join(d, "go.mod")); err == nil {
			return Module{Root: d, Path: mp}, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return Module{}, err
		}
		if filepath.Dir(d) == d {
			return Module{}, fmt.Errorf("build: %s: %w in it or above (run `go mod init` in the plugin folder and `go get github.com/wasmdrive/wasmdrive/sdk`)", dir, ErrNoModule)
		}
	}
}

func readModulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			p := strings.TrimSpace(rest)
			if uq, err := strconv.Unquote(p); err == nil {
				p = uq
			}
			if p != "" {
				return p, nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("build: %s: %w", gomod, err)
	}
	return "", fmt.Errorf("build: %s has no module line", gomod)
}

// HasGoSource reports whether dir holds a non-test .go file.
func HasGoSource(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			return true
		}
	}
	return false
}

// SourceFiles lists the files whose content determines the build of the
// package in dir: its own files, those of every same-module package it
// imports (transitively), and the module's go.mod and go.sum. Paths are
// absolute and sorted.
func SourceFiles(dir string, mod Module) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	seen := map[string]bool{}
	queue := []string{abs}
	var files []string
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if seen[d] {
			continue
		}
		seen[d] = true
		ents, err := os.ReadDir(d)
		if err != nil {
			return nil, fmt.Errorf("build: package folder: %w", err)
		}
		for _, e := range ents {
			n := e.Name()
			if !e.Type().IsRegular() || !sourceName(n) {
				continue
			}
			p := filepath.Join(d, n)
			files = append(files, p)
			if !strings.HasSuffix(n, ".go") {
				continue
			}
			imps, err := imports(p)
			if err != nil {
				return nil, err
			}
			for _, imp := range imps {
				if rel, ok := strings.CutPrefix(imp, mod.Path+"/"); ok {
					queue = append(queue, filepath.Join(mod.Root, filepath.FromSlash(rel)))
				}
			}
		}
	}
	for _, n := range []string{"go.mod", "go.sum"} {
		if _, err := os.Stat(filepath.Join(mod.Root, n)); err == nil {
			files = append(files, filepath.Join(mod.Root, n))
		}
	}
	sort.Strings(files)
	return files, nil
}

// sourceName reports whether a file can affect a build: Go and assembly
// sources and anything a //go:embed may name, but not tests, docs, build
// outputs or dot files.
func sourceName(n string) bool {
	switch {
	case strings.HasPrefix(n, "."), strings.HasPrefix(n, "_"),
		strings.HasSuffix(n, "_test.go"), strings.HasSuffix(n, ".wasm"),
		strings.HasSuffix(n, ".md"), n == "plugin.yaml", n == "go.mod", n == "go.sum", n == "go.work":
		return false
	}
	return true
}

func imports(file string) ([]string, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	return importsOf(file, src)
}

// SourceHash hashes files (their paths relative to root and contents) and
// the extra strings (Go version, flags) into a hex SHA-256.
func SourceHash(root string, files []string, extra ...string) (string, error) {
	h := sha256.New()
	for _, x := range extra {
		fmt.Fprintf(h, "x %q\n", x)
	}
	for _, p := range files {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			rel = p
		}
		f, err := os.Open(p)
		if err != nil {
			return "", fmt.Errorf("build: %w", err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return "", fmt.Errorf("build: %w", err)
		}
		fmt.Fprintf(h, "f %q %d\n", filepath.ToSlash(rel), fi.Size())
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("build: %s: %w", p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
