package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// stamp fingerprints a plugin folder by the names, sizes and modification
// times of its files (one level of sub-folders too), so polling notices an
// edited manifest, source or module without reading them.
func stamp(dir string) string {
	h := sha256.New()
	var walk func(d string, depth int)
	walk = func(d string, depth int) {
		ents, err := os.ReadDir(d)
		if err != nil {
			fmt.Fprintf(h, "err %v\n", err)
			return
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		for _, e := range ents {
			if e.Name()[0] == '.' {
				continue
			}
			p := filepath.Join(d, e.Name())
			if e.IsDir() {
				if depth < 1 {
					walk(p, depth+1)
				}
				continue
			}
			if fi, err := e.Info(); err == nil {
				fmt.Fprintf(h, "%s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
			}
		}
	}
	walk(dir, 0)
	return hex.EncodeToString(h.Sum(nil))
}

// rescan loads new plugin folders, reloads changed ones and drops removed
// ones. A reload builds the new version first; the old one keeps serving
// until the swap and finishes its in-flight calls after it.
func (h *Host) rescan(ctx context.Context) {
	found := map[string]bool{}
	for _, dir := range findPluginDirs(h.dirs) {
		found[dir] = true
		st := stamp(dir)
		h.mu.RLock()
		name, known := h.byDir[dir]
		var old *entry
		if known {
			old = h.plugins[name]
		}
		h.mu.RUnlock()
		if old != nil && old.stamp == st {
			continue
		}
		v, err := h.load(ctx, dir)
		if errors.Is(err, errSkipped) {
			continue
		}
		h.install(dir, st, v, err, old)
	}
	h.mu.Lock()
	var gone []*entry
	for dir, name := range h.byDir {
		if !found[dir] {
			if e := h.plugins[name]; e != nil && e.dir == dir {
				gone = append(gone, e)
				delete(h.plugins, name)
			}
			delete(h.byDir, dir)
		}
	}
	h.mu.Unlock()
	for _, e := range gone {
		if e.cur != nil {
			e.cur.pool.retire()
		}
		slog.Info("plugin removed", "plugin", e.name, "dir", e.dir)
		h.notify(e.name)
	}
}

// install records the outcome of loading dir.
func (h *Host) install(dir, st string, v *version, err error, old *entry) {
	name := filepath.Base(dir)
	if v != nil {
		name = v.man.Name
	} else if old != nil {
		name = old.name
	}
	h.mu.Lock()
	if other := h.plugins[name]; other != nil && other.dir != dir {
		h.mu.Unlock()
		if v != nil {
			v.pool.retire()
		}
		slog.Warn("plugin name already taken; folder ignored", "plugin", name, "dir", dir, "loaded_from", other.dir)
		return
	}
	if old != nil && old.name != name { // the manifest's name changed
		delete(h.plugins, old.name)
	}
	e := &entry{name: name, dir: dir, stamp: st, cur: v, err: err}
	var retired *version
	if old != nil {
		e.disabled = old.disabled
		if v == nil && old.cur != nil && old.name == name {
			// Keep serving the last good version; report the error.
			e.cur = old.cur
		} else {
			retired = old.cur
		}
	}
	h.plugins[name] = e
	h.byDir[dir] = name
	h.mu.Unlock()
	if retired != nil {
		retired.pool.retire()
	}
	switch {
	case err != nil:
		slog.Warn("plugin failed to load", "plugin", name, "dir", dir, "err", err)
	case old != nil:
		slog.Info("plugin reloaded", "plugin", name, "version", v.man.Version, "sha256", v.hash[:12])
	default:
		slog.Debug("plugin loaded", "plugin", name, "version", v.man.Version, "sha256", v.hash[:12])
	}
	if v != nil && !h.opts.NoPrewarm {
		h.warming.Add(1)
		go func() {
			defer h.warming.Done()
			v.pool.prewarm(h.life)
		}()
	}
	h.notify(name)
}

// watch polls the plugin folders until Close.
func (h *Host) watch() {
	defer close(h.done)
	every := h.opts.WatchInterval
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-h.stop:
					cancel()
				case <-ctx.Done():
				}
			}()
			h.rescan(ctx)
			cancel()
		}
	}
}
