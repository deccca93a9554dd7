package runner

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/tetratelabs/wazero"
)

// mount is a host folder made visible to a plugin through WASI, at the
// same path inside the sandbox.
type mount struct {
	path     string
	readOnly bool
}

// grantMounts derives the WASI mounts of a plugin from its effective local
// grant: folders it may read are mounted read-only, folders it may write
// read-write. Plugins then use ordinary file I/O (os.Open in Go) on exactly
// the paths the host functions would let them name, which is what the
// backup's client-side encryption needs; nothing else of the host is
// visible. Folders that do not exist (yet) are skipped.
func grantMounts(g Grant) []mount {
	var ms []mount
	add := func(p string, ro bool) {
		p = filepath.Clean(p)
		if !filepath.IsAbs(p) {
			return
		}
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return
		}
		for i := range ms {
			if ms[i].path == p {
				ms[i].readOnly = ms[i].readOnly && ro
				return
			}
		}
		ms = append(ms, mount{path: p, readOnly: ro})
	}
	for _, p := range g.Local.Write {
		add(p, false)
	}
	for _, p := range g.Local.Read {
		add(p, true)
	}
	slices.SortFunc(ms, func(a, b mount) int {
		switch {
		case a.path < b.path:
			return -1
		case a.path > b.path:
			return 1
		}
		return 0
	})
	return ms
}

// fsConfig turns mounts into a wazero FSConfig (nil when there are none).
func fsConfig(ms []mount) wazero.FSConfig {
	if len(ms) == 0 {
		return nil
	}
	fc := wazero.NewFSConfig()
	for _, m := range ms {
		if m.readOnly {
			fc = fc.WithReadOnlyDirMount(m.path, m.path)
		} else {
			fc = fc.WithDirMount(m.path, m.path)
		}
	}
	return fc
}
