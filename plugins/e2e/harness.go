package e2e

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/runner"
)

// cacheDir holds the build and compile caches shared by every test and
// kept between runs, so the plugins are built once per source change.
func cacheDir(t testing.TB) string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	d = filepath.Join(d, "wasmdrive-test", "e2e-plugins")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func pluginsRoot(t testing.TB) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd) // plugins/
}

// fileKV is a plugin KV kept in one folder (a file per key), so a second
// process sees what a killed one wrote. It is a real store, not a mock.
type fileKV struct {
	mu  sync.Mutex
	dir string
}

func (k *fileKV) file(key string) string {
	return filepath.Join(k.dir, hex.EncodeToString([]byte(key)))
}

func (k *fileKV) Get(ctx context.Context, key string) (runner.KVEntry, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b, err := os.ReadFile(k.file(key))
	if errors.Is(err, fs.ErrNotExist) {
		return runner.KVEntry{}, runner.ErrKVNotFound
	}
	if err != nil {
		return runner.KVEntry{}, err
	}
	return runner.KVEntry{Key: key, Value: b, Revision: 1}, nil
}

func (k *fileKV) Put(ctx context.Context, key string, v []byte, expect *uint64) (uint64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	tmp := k.file(key) + ".tmp"
	if err := os.WriteFile(tmp, v, 0o644); err != nil {
		return 0, err
	}
	return 1, os.Rename(tmp, k.file(key))
}

func (k *fileKV) Delete(ctx context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	err := os.Remove(k.file(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (k *fileKV) List(ctx context.Context, prefix string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ents, err := os.ReadDir(k.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		b, err := hex.DecodeString(e.Name())
		if err == nil && strings.HasPrefix(string(b), prefix) {
			out = append(out, string(b))
		}
	}
	sort.Strings(out)
	return out, nil
}

// sink collects a run's logs and progress.
type sink struct {
	mu    sync.Mutex
	lines []runner.LogLine
	prog  []runner.Progress
}

func (s *sink) Log(l runner.LogLine)       { s.mu.Lock(); s.lines = append(s.lines, l); s.mu.Unlock() }
func (s *sink) Progress(p runner.Progress) { s.mu.Lock(); s.prog = append(s.prog, p); s.mu.Unlock() }

func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, l := range s.lines {
		fmt.Fprintf(&b, "%s %s: %s %v\n", l.Level, l.Source, l.Msg, l.Fields)
	}
	return b.String()
}

// emitter records emitted events.
type emitter struct {
	mu     sync.Mutex
	events map[string][][]byte
}

func (e *emitter) Emit(ctx context.Context, subject string, data []byte, h map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.events == nil {
		e.events = map[string][][]byte{}
	}
	e.events[subject] = append(e.events[subject], data)
	return nil
}

// env is one wasmdrive host with the built-in plugins over a drive.
type env struct {
	t     testing.TB
	host  *runner.Host
	drive drive.Drive
	kv    *fileKV
	emit  *emitter
}

// newEnv starts a host whose plugins get the given configs (by plugin
// name). d nil opens a fresh local drive; kvDir "" a fresh KV.
func newEnv(t testing.TB, d drive.Drive, kvDir string, configs map[string]map[string]any) *env {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; it builds the plugins")
	}
	if d == nil {
		ld, err := local.Open(t.TempDir(), local.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ld.Close() })
		d = ld
	}
	if kvDir == "" {
		kvDir = t.TempDir()
	}
	cfg := config.Default()
	cfg.DataDir = cacheDir(t)
	root := pluginsRoot(t)
	cfg.Plugins.Dirs = []string{filepath.Join(root, "backup"), filepath.Join(root, "archive"), filepath.Join(root, "cleanup")}
	cfg.Plugins.Enabled = map[string]config.PluginConfig{}
	for name, c := range configs {
		cfg.Plugins.Enabled[name] = config.PluginConfig{Config: c}
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, drive: d, kv: &fileKV{dir: kvDir}, emit: &emitter{}}
	h, err := runner.New(context.Background(), runner.Options{Config: cfg, KV: e.kv, Emitter: e.emit, NoPrewarm: true,
		Drives: func(ctx context.Context, account string) (drive.Drive, error) { return d, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	for name := range configs {
		if pi, err := h.Plugin(name); err != nil || pi.Error != "" {
			t.Fatalf("plugin %s did not load: %+v %v", name, pi, err)
		}
	}
	e.host = h
	return e
}

// call runs plugin.entry with input and decodes the output into out.
func (e *env) call(plugin, entry string, input, out any) error {
	e.t.Helper()
	in, _ := json.Marshal(input)
	s := &sink{}
	res, err := e.host.Call(context.Background(), runner.CallRequest{Plugin: plugin, Entry: entry, Input: in, RunID: "t"}, s)
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

func (e *env) mustCall(plugin, entry string, input, out any) {
	e.t.Helper()
	if err := e.call(plugin, entry, input, out); err != nil {
		e.t.Fatalf("%s.%s: %v", plugin, entry, err)
	}
}

// writeFile creates a file (and its folders) with content.
func writeFile(t testing.TB, p string, content []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// treeSums maps every regular file below root to its SHA-1.
func treeSums(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha1.Sum(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree fails the test unless a and b hold the same files and bytes.
func sameTree(t testing.TB, a, b string) {
	t.Helper()
	sa, sb := treeSums(t, a), treeSums(t, b)
	var diffs []string
	for p, h := range sa {
		if sb[p] != h {
			diffs = append(diffs, fmt.Sprintf("%s: %s vs %s", p, h, sb[p]))
		}
	}
	for p := range sb {
		if _, ok := sa[p]; !ok {
			diffs = append(diffs, p+": only in "+b)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Fatalf("trees differ (%d files vs %d):\n%s", len(sa), len(sb), strings.Join(diffs, "\n"))
	}
}

// content is deterministic pseudo-random bytes.
func content(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed*2654435761 + 1)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// driveNames lists every path below folder on d and fails on duplicate
// names in one folder.
func driveNames(t testing.TB, d drive.Drive, folder string) []string {
	t.Helper()
	ctx := context.Background()
	f, err := d.GetByPath(ctx, folder)
	if err != nil {
		t.Fatalf("get %s: %v", folder, err)
	}
	var out []string
	var walk func(id, prefix string)
	walk = func(id, prefix string) {
		seen := map[string]bool{}
		marker := ""
		for {
			page, err := d.List(ctx, drive.ListOptions{ParentFileID: id, Limit: 100, Marker: marker})
			if err != nil {
				t.Fatalf("list %s: %v", prefix, err)
			}
			for _, it := range page.Items {
				if seen[it.Name] {
					t.Errorf("duplicate name %s/%s on the drive", prefix, it.Name)
				}
				seen[it.Name] = true
				p := prefix + "/" + it.Name
				if it.IsFolder() {
					walk(it.FileID, p)
				} else {
					out = append(out, p)
				}
			}
			if page.NextMarker == "" {
				break
			}
			marker = page.NextMarker
		}
	}
	walk(f.FileID, "")
	sort.Strings(out)
	return out
}

var _ = bytes.Equal
