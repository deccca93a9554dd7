package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	extism "github.com/extism/go-sdk"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/runner/build"
	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// Errors callers branch on.
var (
	// ErrUnknownPlugin: no loaded plugin has the name.
	ErrUnknownPlugin = contract.ErrUnknownPlugin
	// ErrDisabled: the plugin is not enabled in the config (or was disabled).
	ErrDisabled = errors.New("plugin is not enabled")
	// ErrTimeout: a call ran past the plugin's limits.timeout.
	ErrTimeout = errors.New("plugin call timed out")
	// ErrTrap: the plugin crashed (panic, out of memory, or a Wasm trap).
	ErrTrap = errors.New("plugin crashed")
	// ErrPluginFailed: the entry point returned an error of its own.
	ErrPluginFailed = errors.New("plugin returned an error")
	// ErrLimit: input or output is larger than the plugin's limits allow.
	ErrLimit = errors.New("plugin limit exceeded")

	errRetired = errors.New("plugin version was replaced")
	errSkipped = errors.New("plugin not selected by Options.Only")
)

// DriveResolver returns the drive of an account.
type DriveResolver func(ctx context.Context, account string) (drive.Drive, error)

// Options configure a Host.
type Options struct {
	// Config is the loaded configuration (plugins, accounts, data_dir).
	Config *config.Config
	// DataDir overrides Config.DataDir (caches live in DataDir/cache).
	DataDir string
	// Drives resolves account names to drives (required for drive calls).
	Drives DriveResolver
	// KV stores plugin state (nil: the kv host functions answer unavailable).
	KV KV
	// Emitter publishes events for wd_emit (nil: unavailable).
	Emitter Emitter
	// Audit receives every drive mutation (nil: not audited).
	Audit *hostfuncs.AuditLog
	// Batcher replaces Drive.Batch for plugins (nil: Drive.Batch).
	Batcher hostfuncs.Batcher
	// RunUnlisted lets Call run plugins the config does not list under
	// plugins.enabled, with the grants their manifest asks (the `run`
	// command: the operator asked for that one call).
	RunUnlisted bool
	// NoWatch turns off polling the plugin folders. By default they are
	// polled every WatchInterval (default 1s) and new, changed or removed
	// plugins are loaded, swapped or dropped without a restart.
	NoWatch       bool
	WatchInterval time.Duration
	// Only, when set, loads just the plugins of these names (the others'
	// manifests are read, nothing is built): one-off commands.
	Only []string
	// NoPrewarm skips creating an idle instance when a plugin loads.
	NoPrewarm bool
	// OnChange is called after a plugin was loaded, replaced or removed.
	OnChange func(plugin string)
	// Builder overrides the source builder (tests).
	Builder *build.Builder
}

// Host loads plugins and runs their calls. It implements Caller.
type Host struct {
	opts    Options
	cfg     *config.Config
	dataDir string
	dirs    []string
	comp    *compiler
	builder *build.Builder

	closeOnce sync.Once
	// life ends at Close; the prewarms started on load (warming) run
	// under it, and Close waits for them before closing the modules.
	life    context.Context
	endLife context.CancelFunc
	warming sync.WaitGroup

	mu      sync.RWMutex
	plugins map[string]*entry
	byDir   map[string]string // plugin dir → name

	stop chan struct{}
	done chan struct{}
}

var _ Caller = (*Host)(nil)

// entry is one plugin name's slot: its current version or load error.
type entry struct {
	name     string
	dir      string
	stamp    string
	cur      *version // nil when the load failed
	err      error
	disabled bool // SetEnabled(false)
}

var logLevelOnce sync.Once

// New loads every plugin of the configured folders. A plugin that fails to
// load is reported by Plugins with its error; it does not fail New.
func New(ctx context.Context, opts Options) (*Host, error) {
	if opts.Config == nil {
		opts.Config = config.Default()
		if err := opts.Config.Validate(); err != nil {
			return nil, err
		}
	}
	h := &Host{opts: opts, cfg: opts.Config, plugins: map[string]*entry{}, byDir: map[string]string{}}
	h.life, h.endLife = context.WithCancel(context.Background())
	h.dataDir = opts.DataDir
	if h.dataDir == "" {
		h.dataDir = opts.Config.DataDir
	}
	// pdk.Log lines reach Plugin.SetLogger only above this process-global level.
	logLevelOnce.Do(func() { extism.SetLogLevel(extism.LogLevelDebug) })
	comp, err := newCompiler(filepath.Join(h.dataDir, "cache", "wazero"))
	if err != nil {
		return nil, fmt.Errorf("plugin host: %w", err)
	}
	h.comp = comp
	h.builder = opts.Builder
	if h.builder == nil {
		h.builder = &build.Builder{CacheDir: filepath.Join(h.dataDir, "cache", "build")}
	}
	h.dirs = PluginDirs(opts.Config, h.dataDir)
	h.rescan(ctx)
	if !opts.NoWatch {
		h.stop, h.done = make(chan struct{}), make(chan struct{})
		go h.watch()
	}
	return h, nil
}

// Close stops the watcher and closes every instance and compiled module.
// Calls in flight are interrupted. Closing twice is a no-op.
func (h *Host) Close() error {
	h.closeOnce.Do(h.close)
	return nil
}

func (h *Host) close() {
	if h.stop != nil {
		close(h.stop)
		<-h.done
	}
	h.endLife()
	h.warming.Wait()
	h.mu.Lock()
	ps := h.plugins
	h.plugins = map[string]*entry{}
	h.mu.Unlock()
	for _, e := range ps {
		if e.cur != nil {
			e.cur.pool.retire()
		}
	}
	h.comp.close()
}

// Plugins lists every plugin found, loaded or not, sorted by name.
func (h *Host) Plugins(ctx context.Context) ([]PluginInfo, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]PluginInfo, 0, len(h.plugins))
	for _, e := range h.plugins {
		out = append(out, h.info(e))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Plugin returns one plugin's info.
func (h *Host) Plugin(name string) (PluginInfo, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	e := h.plugins[name]
	if e == nil {
		return PluginInfo{}, fmt.Errorf("%w %q (have: %s)", ErrUnknownPlugin, name, h.namesLocked())
	}
	return h.info(e), nil
}

// Loaded is the current version of a plugin as the triggers layer needs it.
type Loaded struct {
	Manifest *Manifest
	Triggers []Trigger // effective: the operator's override or the manifest's
	Grant    Grant     // effective
	Account  string
	Enabled  bool
	Hash     string // module sha256
	Dir      string
}

// Loaded returns the current version of a loaded plugin.
func (h *Host) Loaded(name string) (*Loaded, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	e := h.plugins[name]
	if e == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownPlugin, name)
	}
	if e.cur == nil {
		return nil, e.err
	}
	v := e.cur
	return &Loaded{Manifest: v.man, Triggers: v.triggers, Grant: v.grant, Account: v.account,
		Enabled: h.enabled(e), Hash: v.hash, Dir: v.dir}, nil
}

// SetEnabled turns a listed plugin on or off for this process.
func (h *Host) SetEnabled(ctx context.Context, name string, enabled bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.plugins[name]
	if e == nil {
		return fmt.Errorf("%w %q", ErrUnknownPlugin, name)
	}
	if enabled && !h.listed(name) && !h.opts.RunUnlisted {
		return fmt.Errorf("plugin %s: %w: add plugins.enabled.%s to the config to grant it", name, ErrDisabled, name)
	}
	e.disabled = !enabled
	return nil
}

func (h *Host) listed(name string) bool {
	pc, ok := h.cfg.Plugins.Enabled[name]
	return ok && !pc.Disabled
}

func (h *Host) enabled(e *entry) bool { return h.listed(e.name) && !e.disabled }

func (h *Host) namesLocked() string {
	names := make([]string, 0, len(h.plugins))
	for n := range h.plugins {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none; check plugins.dirs"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (h *Host) info(e *entry) PluginInfo {
	pi := PluginInfo{Name: e.name, Dir: e.dir, Enabled: h.enabled(e)}
	if e.err != nil {
		pi.Error = e.err.Error()
	}
	v := e.cur
	if v == nil {
		return pi
	}
	if pi.Error == "" && v.configErr != nil {
		pi.Error = v.configErr.Error()
	}
	pi.Version, pi.Hash, pi.Description = v.man.Version, v.hash, v.man.Description
	pi.Account = v.account
	pi.Exports = v.man.ExportNames()
	pi.MaxInputBytes = v.man.Limits.MaxInputBytes
	pi.Grants, _ = json.Marshal(v.grant)
	pi.Interrupt = v.interrupt()
	if len(v.triggers) > 0 {
		pi.Triggers, _ = json.Marshal(v.triggers)
	}
	if len(v.man.Config) > 0 {
		pi.ConfigSchema, _ = json.Marshal(v.man.Config)
	}
	return pi
}

func (h *Host) notify(name string) {
	if h.opts.OnChange != nil {
		h.opts.OnChange(name)
	}
	slog.Debug("plugin changed", "plugin", name)
}
