package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// UnpackedMarker is the file Unpack writes last at the root of a tree it
// unpacked: a folder holding it is complete, and a build inside it knows
// its sources came with the binary (see Builder.Build's advice when the
// go command is missing).
const UnpackedMarker = ".wasmdrive-unpacked"

// unpackFormat changes when Unpack writes a tree differently (e.g. another
// go.mod reduction), so old trees are not reused.
const unpackFormat = "unpack v1"

// Unpack writes the module tree in fsys (go.mod at its root) to
// dir/<hash> and returns that folder. The hash covers every file's path
// and content, so each version of the sources is written once and later
// calls, from any process, reuse it. The tree is written to a temporary
// folder and renamed into place, so a folder under dir is never seen half
// written. Test files are left out, and go.mod keeps only the requirements
// of modules the tree's packages import (MinimalGoMod): a build then needs
// just those in the module cache, or from GOPROXY.
func Unpack(fsys fs.FS, dir string) (string, error) {
	files, err := treeFiles(fsys)
	if err != nil {
		return "", err
	}
	hash, err := treeHash(fsys, files)
	if err != nil {
		return "", err
	}
	final := filepath.Join(dir, hash[:32])
	if fileExists(filepath.Join(final, UnpackedMarker)) {
		return final, nil
	}
	if err := private.MkdirAll(dir); err != nil {
		return "", fmt.Errorf("unpack sources: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".unpack-*")
	if err != nil {
		return "", fmt.Errorf("unpack sources: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := writeTree(fsys, files, tmp); err != nil {
		return "", err
	}
	if err := private.WriteFile(filepath.Join(tmp, UnpackedMarker), []byte(hash+"\n")); err != nil {
		return "", fmt.Errorf("unpack sources: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if fileExists(filepath.Join(final, UnpackedMarker)) {
			return final, nil // another process unpacked the same sources first
		}
		// A leftover without its marker (not written by Unpack): replace it.
		if rerr := os.RemoveAll(final); rerr != nil {
			return "", fmt.Errorf("unpack sources: %w (and clearing %s: %v)", err, final, rerr)
		}
		if err := os.Rename(tmp, final); err != nil {
			return "", fmt.Errorf("unpack sources: %w", err)
		}
	}
	return final, nil
}

// treeFiles lists the regular files of fsys to unpack, sorted, without
// test files.
func treeFiles(fsys fs.FS) ([]string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasSuffix(p, "_test.go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("unpack sources: %w", err)
	}
	if _, err := fs.Stat(fsys, "go.mod"); err != nil {
		return nil, fmt.Errorf("unpack sources: the tree has no go.mod at its root: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

func treeHash(fsys fs.FS, files []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", unpackFormat)
	for _, p := range files {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return "", fmt.Errorf("unpack sources: %w", err)
		}
		fmt.Fprintf(h, "f %q %d\n", p, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeTree copies files from fsys under dst, with go.mod reduced to the
// modules the Go files import.
func writeTree(fsys fs.FS, files []string, dst string) error {
	var imports []string
	for _, p := range files {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("unpack sources: %w", err)
		}
		if strings.HasSuffix(p, ".go") {
			imps, err := importsOf(p, b)
			if err != nil {
				return err
			}
			imports = append(imports, imps...)
		}
		full := filepath.Join(dst, filepath.FromSlash(p))
		if err := private.MkdirAll(filepath.Dir(full)); err != nil {
			return fmt.Errorf("unpack sources: %w", err)
		}
		if p == "go.mod" {
			continue // written below, once every import is known
		}
		if err := private.WriteFile(full, b); err != nil {
			return fmt.Errorf("unpack sources: %w", err)
		}
	}
	full, err := fs.ReadFile(fsys, "go.mod")
	if err != nil {
		return fmt.Errorf("unpack sources: %w", err)
	}
	min, err := MinimalGoMod(full, imports)
	if err != nil {
		return fmt.Errorf("unpack sources: %w", err)
	}
	if err := private.WriteFile(filepath.Join(dst, "go.mod"), min); err != nil {
		return fmt.Errorf("unpack sources: %w", err)
	}
	return nil
}

// fileExists reports whether p is a regular file.
func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
