// Package demo runs the built-in plugins (backup, archive, cleanup) in one
// process over a drive: the `wasmdrive demo` walkthrough (Run), and Env, the
// host the end-to-end tests and benchmarks drive the plugins through. It is
// ordinary code with no test dependencies, so the wasmdrive binary ships it.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/runner"
)

// EnvOptions configure NewEnv.
type EnvOptions struct {
	// DataDir holds the build and compile caches (DataDir/cache), so the
	// plugins are built once per source change.
	DataDir string
	// KV is the plugins' KV; nil uses a FileKV in KVDir.
	KV    runner.KV
	KVDir string
	// Configs are the configs of the plugins to load, by plugin name; only
	// these are loaded, and each must load.
	Configs map[string]map[string]any
}

// Env is one plugin host with built-in plugins over a drive.
type Env struct {
	Host  *runner.Host
	Drive drive.Drive
	KV    runner.KV
	Emit  *Emitter
	// Record, if set, stores every call as a finished run (the demo's
	// runs, shown by `runs list` and the console afterwards).
	Record *Recorder

	closeOnce sync.Once
	closeErr  error
}

// Close stops the host; later calls do nothing.
func (e *Env) Close() error {
	e.closeOnce.Do(func() { e.closeErr = e.Host.Close() })
	return e.closeErr
}

// NewEnv starts a host whose built-in plugins, those named in o.Configs,
// get those configs and work on drive d. The plugins' sources are the
// checkout's, or the ones embedded in the binary (runner.BuiltinDir).
func NewEnv(ctx context.Context, d drive.Drive, o EnvOptions) (*Env, error) {
	cfg := config.Default()
	cfg.DataDir = o.DataDir
	root, err := runner.BuiltinDir(filepath.Join(o.DataDir, "cache", "build"))
	if err != nil {
		return nil, fmt.Errorf("find the built-in plugins: %w", err)
	}
	cfg.Plugins.Enabled = map[string]config.PluginConfig{}
	cfg.Plugins.DisableBuiltins = true // exactly the plugins of o.Configs
	for name, c := range o.Configs {
		cfg.Plugins.Dirs = append(cfg.Plugins.Dirs, filepath.Join(root, name))
		// Round-trip through JSON so values have the shapes a config file
		// gives (lists are []any, objects map[string]any).
		b, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("plugin %s config: %w", name, err)
		}
		var norm map[string]any
		if err := json.Unmarshal(b, &norm); err != nil {
			return nil, fmt.Errorf("plugin %s config: %w", name, err)
		}
		cfg.Plugins.Enabled[name] = config.PluginConfig{Config: norm}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Env{Drive: d, KV: o.KV, Emit: &Emitter{}}
	if e.KV == nil {
		e.KV = NewFileKV(o.KVDir)
	}
	h, err := runner.New(ctx, runner.Options{Config: cfg, KV: e.KV, Emitter: e.Emit, NoPrewarm: true, NoWatch: true,
		Drives: func(context.Context, string) (drive.Drive, error) { return d, nil }})
	if err != nil {
		return nil, err
	}
	for name := range o.Configs {
		if pi, err := h.Plugin(name); err != nil || pi.Error != "" {
			h.Close()
			if err == nil {
				err = fmt.Errorf("%s", pi.Error)
			}
			return nil, fmt.Errorf("plugin %s did not load: %w", name, err)
		}
	}
	e.Host = h
	return e, nil
}

// Call runs plugin.entry with input and decodes the output into out.
func (e *Env) Call(plugin, entry string, input, out any) error {
	return e.CallSink(plugin, entry, input, out, &Sink{})
}

// CallSink is Call with a given sink; an error carries the run's log.
func (e *Env) CallSink(plugin, entry string, input, out any, s runner.RunSink) error {
	in, err := json.Marshal(input)
	if err != nil {
		return fmt.Errorf("%s.%s input: %w", plugin, entry, err)
	}
	req := runner.CallRequest{Plugin: plugin, Entry: entry, Input: in, RunID: "t", Trigger: "manual"}
	var tee *teeSink
	if e.Record != nil {
		tee = &teeSink{next: s}
		s = tee
	}
	started := time.Now()
	res, err := e.Host.Call(context.Background(), req, s)
	if tee != nil {
		if rerr := e.Record.record(req, started, res, err, tee.lines); rerr != nil && err == nil {
			return fmt.Errorf("%s.%s: store the run: %w", plugin, entry, rerr)
		}
	}
	if err != nil {
		if str, ok := s.(fmt.Stringer); ok {
			return fmt.Errorf("%w\nlogs:\n%s", err, str)
		}
		return err
	}
	if out != nil {
		if err := json.Unmarshal(res.Output, out); err != nil {
			return fmt.Errorf("decode %s output %s: %w", entry, res.Output, err)
		}
	}
	return nil
}
