package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/runner"
)

// CacheDir holds the build and compile caches shared by every run and
// kept between runs, so the plugins are built once per source change.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	d = filepath.Join(d, "wasmdrive-test", "e2e-plugins")
	return d, os.MkdirAll(d, 0o755)
}

// PluginsRoot is the plugins/ folder of the source checkout.
func PluginsRoot() (string, error) {
	root, err := runner.BuiltinDir()
	if err != nil {
		return "", fmt.Errorf("find the built-in plugins: %w", err)
	}
	return root, nil
}

// FileKV is a plugin KV kept in one folder (a file per key, named by the
// key's hash and holding the key on its first line), so a second process
// sees what a killed one wrote. It is a real store, not a mock.
type FileKV struct {
	mu  sync.Mutex
	dir string
}

func (k *FileKV) file(key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(k.dir, hex.EncodeToString(h[:16]))
}

func (k *FileKV) read(p string) (key string, value []byte, err error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", nil, err
	}
	kb, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return "", nil, fmt.Errorf("kv file %s is corrupt", p)
	}
	return string(kb), rest, nil
}

// Get implements runner.KV.
func (k *FileKV) Get(ctx context.Context, key string) (runner.KVEntry, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, v, err := k.read(k.file(key))
	if errors.Is(err, fs.ErrNotExist) {
		return runner.KVEntry{}, runner.ErrKVNotFound
	}
	if err != nil {
		return runner.KVEntry{}, err
	}
	return runner.KVEntry{Key: key, Value: v, Revision: 1}, nil
}

// Put implements runner.KV (revisions are not tracked: every put is 1).
func (k *FileKV) Put(ctx context.Context, key string, v []byte, expect *uint64) (uint64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := os.MkdirAll(k.dir, 0o755); err != nil {
		return 0, err
	}
	tmp := k.file(key) + ".tmp"
	data := append(append([]byte(key), '\n'), v...)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return 0, err
	}
	return 1, os.Rename(tmp, k.file(key))
}

// Delete implements runner.KV.
func (k *FileKV) Delete(ctx context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	err := os.Remove(k.file(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// List implements runner.KV.
func (k *FileKV) List(ctx context.Context, prefix string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ents, err := os.ReadDir(k.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		key, _, err := k.read(filepath.Join(k.dir, e.Name()))
		if err == nil && strings.HasPrefix(key, prefix) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Sink collects a run's logs and progress.
type Sink struct {
	mu    sync.Mutex
	lines []runner.LogLine
	prog  []runner.Progress
}

// Log implements runner.RunSink.
func (s *Sink) Log(l runner.LogLine) { s.mu.Lock(); s.lines = append(s.lines, l); s.mu.Unlock() }

// Progress implements runner.RunSink.
func (s *Sink) Progress(p runner.Progress) { s.mu.Lock(); s.prog = append(s.prog, p); s.mu.Unlock() }

// String renders the log lines.
func (s *Sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, l := range s.lines {
		fmt.Fprintf(&b, "%s %s: %s %v\n", l.Level, l.Source, l.Msg, l.Fields)
	}
	return b.String()
}

// Emitter records emitted events by subject.
type Emitter struct {
	mu     sync.Mutex
	events map[string][][]byte
}

// Events returns the events emitted on subject.
func (e *Emitter) Events(subject string) [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.events[subject]
}

// Emit implements runner.Emitter.
func (e *Emitter) Emit(ctx context.Context, subject string, data []byte, h map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.events == nil {
		e.events = map[string][][]byte{}
	}
	e.events[subject] = append(e.events[subject], data)
	return nil
}

// Env is one wasmdrive host with the built-in plugins over a drive.
type Env struct {
	Host  *runner.Host
	Drive drive.Drive
	KV    *FileKV
	Emit  *Emitter

	closeOnce sync.Once
	closeErr  error
}

// Close stops the host; later calls do nothing.
func (e *Env) Close() error {
	e.closeOnce.Do(func() { e.closeErr = e.Host.Close() })
	return e.closeErr
}

// NewEnv starts a host whose plugins get the given configs (by plugin
// name), over drive d, with plugin KV in kvDir.
func NewEnv(d drive.Drive, kvDir string, configs map[string]map[string]any) (*Env, error) {
	cfg := config.Default()
	var err error
	if cfg.DataDir, err = CacheDir(); err != nil {
		return nil, err
	}
	root, err := PluginsRoot()
	if err != nil {
		return nil, err
	}
	cfg.Plugins.Dirs = []string{filepath.Join(root, "backup"), filepath.Join(root, "archive"), filepath.Join(root, "cleanup")}
	cfg.Plugins.Enabled = map[string]config.PluginConfig{}
	for name, c := range configs {
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
	e := &Env{Drive: d, KV: &FileKV{dir: kvDir}, Emit: &Emitter{}}
	h, err := runner.New(context.Background(), runner.Options{Config: cfg, KV: e.KV, Emitter: e.Emit, NoPrewarm: true,
		Drives: func(ctx context.Context, account string) (drive.Drive, error) { return d, nil }})
	if err != nil {
		return nil, err
	}
	for name := range configs {
		if pi, err := h.Plugin(name); err != nil || pi.Error != "" {
			h.Close()
			return nil, fmt.Errorf("plugin %s did not load: %s %v", name, pi.Error, err)
		}
	}
	e.Host = h
	return e, nil
}

// Call runs plugin.entry with input and decodes the output into out.
func (e *Env) Call(plugin, entry string, input, out any) error {
	return e.CallSink(plugin, entry, input, out, &Sink{})
}

// CallSink is Call with a given sink.
func (e *Env) CallSink(plugin, entry string, input, out any, s runner.RunSink) error {
	in, err := json.Marshal(input)
	if err != nil {
		return err
	}
	res, err := e.Host.Call(context.Background(), runner.CallRequest{Plugin: plugin, Entry: entry, Input: in, RunID: "t"}, s)
	if err != nil {
		return fmt.Errorf("%w\nlogs:\n%s", err, s)
	}
	if out != nil {
		if err := json.Unmarshal(res.Output, out); err != nil {
			return fmt.Errorf("decode %s output %s: %w", entry, res.Output, err)
		}
	}
	return nil
}
