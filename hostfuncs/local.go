package hostfuncs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckLocal resolves host path p (absolute) and returns the resolved path
// if it lies inside a prefix granted for op, else a *PermissionError.
// Symlinks in p and in the granted prefixes are resolved before comparing,
// so a link inside a granted folder cannot reach outside it; a path that
// does not exist yet (a download target) is resolved through its deepest
// existing ancestor. Use the returned path, not p, for the operation.
func (g *Grant) CheckLocal(op LocalOp, p string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("local path %q must be absolute", p)
	}
	resolved, err := resolvePath(filepath.Clean(p))
	if err != nil {
		return "", fmt.Errorf("resolve local path %q: %w", p, err)
	}
	prefixes := g.Local.Read
	if op == LocalWrite {
		prefixes = g.Local.Write
	}
	for _, pre := range prefixes {
		if !filepath.IsAbs(pre) {
			continue
		}
		root, err := resolvePath(filepath.Clean(pre))
		if err != nil {
			continue
		}
		if localWithin(resolved, root) {
			return resolved, nil
		}
	}
	return "", denied("local.%s:%s", op, p)
}

// resolvePath evaluates symlinks in p; for a missing tail it resolves the
// deepest existing ancestor and appends the rest.
func resolvePath(p string) (string, error) {
	r, err := filepath.EvalSymlinks(p)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	dir, base := filepath.Split(p)
	dir = filepath.Clean(dir)
	if dir == p || base == "" {
		return "", err
	}
	rd, err := resolvePath(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(rd, base), nil
}

// localWithin reports whether p is root or below it (both clean, absolute).
func localWithin(p, root string) bool {
	if root == string(os.PathSeparator) {
		return true
	}
	return p == root || strings.HasPrefix(p, root) && p[len(root)] == os.PathSeparator
}
