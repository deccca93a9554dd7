package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner/build"
	"github.com/wasmdrive/wasmdrive/runner/wasmmod"
)

// maxWasmBytes bounds a plugin module.
const maxWasmBytes = 64 << 20

// version is one loaded version of a plugin: manifest, module, effective
// grant and config, and its instance pool.
type version struct {
	man      *Manifest
	dir      string
	wasmPath string
	hash     string // module sha256
	module   *wasmmod.Info
	grant    Grant
	config   json.RawMessage
	// configErr: the operator's config does not fit the schema (only for
	// plugins the config does not list; a listed one fails to load).
	configErr error
	account   string
	triggers  []Trigger
	pool      *pool
}

// PluginDirs returns the folders plugins load from: the built-in plugins
// (unless plugins.disable_builtins), then plugins.dirs (default
// DataDir/plugins). plugins.dirs adds to the built-ins: a folder there
// holding a plugin named like a built-in is ignored with a warning, so to
// replace a built-in set plugins.disable_builtins.
func PluginDirs(cfg *config.Config, dataDir string) []string {
	dirs, err := pluginDirs(cfg, dataDir)
	if err != nil {
		slog.Warn("built-in plugins not found", "err", err)
	}
	return dirs
}

// pluginDirs is PluginDirs; the error says the built-ins were not found
// (the other folders are still returned).
func pluginDirs(cfg *config.Config, dataDir string) ([]string, error) {
	var dirs []string
	var err error
	if !cfg.Plugins.DisableBuiltins {
		var d string
		if d, err = BuiltinDir(filepath.Join(dataDir, "cache", "build")); err == nil {
			dirs = append(dirs, d)
		}
	}
	if len(cfg.Plugins.Dirs) > 0 {
		return append(dirs, cfg.Plugins.Dirs...), err
	}
	return append(dirs, filepath.Join(dataDir, "plugins")), err
}

// findPluginDirs lists plugin folders: each dir holding a plugin.yaml
// itself, or its sub-folders that do.
// A folder reached twice (plugins.dirs naming a built-in's folder) is
// listed once.
func findPluginDirs(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		if fileExists(filepath.Join(abs, ManifestFile)) {
			if !slices.Contains(out, abs) {
				out = append(out, abs)
			}
			continue
		}
		ents, err := os.ReadDir(abs)
		if err != nil {
			continue
		}
		for _, e := range ents {
			sub := filepath.Join(abs, e.Name())
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && fileExists(filepath.Join(sub, ManifestFile)) && !slices.Contains(out, sub) {
				out = append(out, sub)
			}
		}
	}
	return out
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// load reads, builds, checks and compiles the plugin in dir.
func (h *Host) load(ctx context.Context, dir string) (*version, error) {
	man, err := LoadManifest(dir)
	if err != nil {
		return nil, err
	}
	if len(h.opts.Only) > 0 && !slices.Contains(h.opts.Only, man.Name) {
		return nil, errSkipped
	}
	v := &version{man: man, dir: dir, triggers: man.Triggers}
	pc := h.cfg.Plugins.Enabled[man.Name]
	if v.grant, err = EffectiveGrant(man, pc.Grants); err != nil {
		return nil, err
	}
	if v.config, err = man.ApplyConfig(pc.Config); err != nil {
		if h.listed(man.Name) {
			return nil, err
		}
		// Not enabled: load it anyway (list, inspect), fail its calls.
		v.configErr = err
	}
	if pc.Triggers != nil {
		if v.triggers, err = ParseTriggers(man, pc.Triggers); err != nil {
			return nil, err
		}
	}
	v.account = pc.Account
	if v.account == "" {
		v.account = h.cfg.DefaultAccount
	}
	if v.wasmPath, err = h.resolveWasm(ctx, dir, man); err != nil {
		return nil, err
	}
	wasm, err := os.ReadFile(v.wasmPath)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", man.Name, err)
	}
	if len(wasm) > maxWasmBytes {
		return nil, fmt.Errorf("plugin %s: %s is %d bytes, more than %d", man.Name, v.wasmPath, len(wasm), maxWasmBytes)
	}
	sum := sha256.Sum256(wasm)
	v.hash = hex.EncodeToString(sum[:])
	if v.module, err = wasmmod.Inspect(wasm); err != nil {
		return nil, fmt.Errorf("plugin %s: %s: %w", man.Name, v.wasmPath, err)
	}
	for i, e := range man.Exports {
		if !slices.Contains(v.module.Exports, e.Name) {
			return nil, &ManifestError{Plugin: man.Name, Field: fmt.Sprintf("exports[%d]", i),
				Reason: fmt.Sprintf("%q is not exported by the module (it exports %s); add //go:wasmexport %s", e.Name, strings.Join(v.module.Exports, ", "), e.Name)}
		}
	}
	comp, err := h.comp.acquire(ctx, v.hash, wasm, man.Limits.MemoryPages)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", man.Name, err)
	}
	v.pool = newPool(comp, man.Limits.MaxInstances, string(v.config), grantMounts(v.grant), man.Limits.Timeout.D(), h.comp.release)
	return v, nil
}

// resolveWasm finds or builds the module of a plugin. A folder with Go
// source is built (cached by source hash) unless its wasm: file is newer
// than every source file; without the go command a present .wasm is used
// even if stale, with a warning.
func (h *Host) resolveWasm(ctx context.Context, dir string, man *Manifest) (string, error) {
	prebuilt := ""
	if man.Wasm != "" {
		prebuilt = filepath.Join(dir, filepath.FromSlash(man.Wasm))
	} else {
		for _, n := range []string{man.Name + ".wasm", "plugin.wasm"} {
			if fileExists(filepath.Join(dir, n)) {
				prebuilt = filepath.Join(dir, n)
				break
			}
		}
	}
	if !build.HasGoSource(dir) {
		if prebuilt == "" || !fileExists(prebuilt) {
			return "", &ManifestError{Plugin: man.Name, Field: "wasm", Reason: "no module: set wasm: to the plugin's .wasm file, or put its Go source (main.go) in " + dir}
		}
		return prebuilt, nil
	}
	if prebuilt != "" && fileExists(prebuilt) && newerThanSources(prebuilt, dir) && man.Wasm != "" {
		return prebuilt, nil
	}
	res, err := h.builder.Build(ctx, dir)
	if err == nil {
		if !res.Cached {
			slog.Info("plugin built", "plugin", man.Name, "sha256", res.SHA256[:12], "dir", dir)
		}
		return res.Path, nil
	}
	if errors.Is(err, build.ErrNoToolchain) && prebuilt != "" && fileExists(prebuilt) {
		slog.Warn("plugin source cannot be built; using the prebuilt module, which may be stale", "plugin", man.Name, "wasm", prebuilt, "err", err)
		return prebuilt, nil
	}
	return "", fmt.Errorf("plugin %s: %w", man.Name, err)
}

// newerThanSources reports whether file is newer than every Go file in dir.
func newerThanSources(file, dir string) bool {
	fi, err := os.Stat(file)
	if err != nil {
		return false
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		if si, err := e.Info(); err == nil && si.ModTime().After(fi.ModTime()) {
			return false
		}
	}
	return true
}
