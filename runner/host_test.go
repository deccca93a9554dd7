package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
)

// sharedData is one data folder for the package's tests, so the wazero
// compilation cache and the build cache are shared between them and kept
// between runs (like the go build cache: compiling a Go plugin takes
// seconds, tens of seconds under -race). It only ever holds caches keyed
// by content hashes.
var sharedData string

func TestMain(m *testing.M) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	sharedData = filepath.Join(base, "wasmdrive-test", "runner")
	if err := os.MkdirAll(sharedData, 0o755); err != nil {
		panic(err)
	}
	pruneOld(filepath.Join(sharedData, "cache", "build"), 7*24*time.Hour)
	os.Exit(m.Run())
}

// pruneOld removes files in dir not modified for age (old plugin builds).
func pruneOld(dir string, age time.Duration) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > age {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// memSink collects a run's log lines and progress.
type memSink struct {
	mu    sync.Mutex
	lines []LogLine
	prog  []Progress
}

func (s *memSink) Log(l LogLine) {
	s.mu.Lock()
	s.lines = append(s.lines, l)
	s.mu.Unlock()
}

func (s *memSink) Progress(p Progress) {
	s.mu.Lock()
	s.prog = append(s.prog, p)
	s.mu.Unlock()
}

// find returns the first line from source containing text.
func (s *memSink) find(source, text string) (LogLine, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.lines {
		if l.Source == source && strings.Contains(l.Msg, text) {
			return l, true
		}
	}
	return LogLine{}, false
}

func needGo(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; the runner tests build their plugins with it")
	}
}

// newTestHost loads the plugins in dirs with the shared caches.
func newTestHost(t testing.TB, opts Options, dirs ...string) *Host {
	t.Helper()
	needGo(t)
	cfg := config.Default()
	cfg.DataDir = sharedData
	cfg.Plugins.Dirs = dirs
	cfg.Plugins.DisableBuiltins = true
	if opts.Config != nil {
		opts.Config.DataDir = sharedData
		opts.Config.Plugins.Dirs = dirs
		opts.Config.Plugins.DisableBuiltins = true
		cfg = opts.Config
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	opts.Config = cfg
	opts.RunUnlisted = true
	if opts.WatchInterval == 0 {
		opts.NoWatch = true
	}
	h, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

const echoDir = "testdata/plugins/echo"

func echoHost(t testing.TB) *Host {
	h := newTestHost(t, Options{NoPrewarm: true}, echoDir)
	if pi, err := h.Plugin("echo"); err != nil || pi.Error != "" {
		t.Fatalf("echo plugin: %+v %v", pi, err)
	}
	return h
}

func call(t testing.TB, h *Host, entry, input string) (*CallResult, *memSink, error) {
	t.Helper()
	sink := &memSink{}
	res, err := h.Call(context.Background(), CallRequest{Plugin: "echo", Entry: entry, Input: []byte(input), RunID: "r1"}, sink)
	return res, sink, err
}

func TestCallEchoAndConfig(t *testing.T) {
	h := echoHost(t)
	res, _, err := call(t, h, "echo", `{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Output) != `{"a":1}` || res.Plugin != "echo" || res.Version != "1.0.0" || len(res.Hash) != 64 {
		t.Fatalf("result = %+v output %s", res, res.Output)
	}
	res, _, err = call(t, h, "config", "")
	if err != nil || string(res.Output) != `{"greeting":"hello"}` {
		t.Fatalf("config = %s, %v", res.Output, err)
	}
	// The default entry is the first export.
	res, err = h.Call(context.Background(), CallRequest{Plugin: "echo", Input: []byte(`"x"`)}, &memSink{})
	if err != nil || string(res.Output) != `"x"` {
		t.Fatalf("default entry = %v, %v", res, err)
	}
}

func TestCallErrors(t *testing.T) {
	h := echoHost(t)
	tests := []struct {
		name, plugin, entry, input string
		want                       error
		text                       string
	}{
		{"unknown plugin", "nope", "", "", ErrUnknownPlugin, "loaded: echo"},
		{"unknown entry", "echo", "nope", "", nil, `no entry point "nope"`},
		{"plugin error", "echo", "fail", "why", ErrPluginFailed, "failed on purpose: why"},
		{"input too big", "echo", "echo", strings.Repeat("x", 65536+1), ErrLimit, "max_input_bytes = 65536"},
		{"output too big", "echo", "big", fmt.Sprint(65536 + 1), ErrLimit, "max_output_bytes = 65536"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.Call(context.Background(), CallRequest{Plugin: tc.plugin, Entry: tc.entry, Input: []byte(tc.input)}, &memSink{})
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.want, tc.text)
			}
		})
	}
}

func TestPluginErrorKeepsInstance(t *testing.T) {
	h := echoHost(t)
	if _, _, err := call(t, h, "count", ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := call(t, h, "fail", "x"); !errors.Is(err, ErrPluginFailed) {
		t.Fatal(err)
	}
	res, _, err := call(t, h, "count", "")
	if err != nil || string(res.Output) != "2" {
		t.Fatalf("count after a clean failure = %s, %v (want the same instance: 2)", res.Output, err)
	}
}

func TestAbuseIsContained(t *testing.T) {
	h := echoHost(t)
	tests := []struct {
		entry  string
		want   error
		stderr string
	}{
		{"spin", ErrTimeout, ""},
		{"bomb", ErrTrap, ""},
		{"panic", ErrTrap, "panic: boom: BAD INPUT"},
	}
	for _, tc := range tests {
		t.Run(tc.entry, func(t *testing.T) {
			if _, _, err := call(t, h, "count", ""); err != nil {
				t.Fatal(err)
			}
			_, sink, err := call(t, h, tc.entry, "")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.stderr != "" {
				l, ok := sink.find("stderr", tc.stderr)
				if !ok || l.Level != LevelError || l.RunID != "r1" {
					t.Fatalf("stderr line %q not captured as an error: %+v", tc.stderr, sink.lines)
				}
			}
			if _, ok := sink.find("host", err.Error()); !ok {
				t.Fatal("the host did not log the failure to the run")
			}
			// The broken instance was discarded: a fresh one counts from 1.
			res, _, err := call(t, h, "count", "")
			if err != nil || string(res.Output) != "1" {
				t.Fatalf("count after %s = %s, %v; want a fresh instance", tc.entry, res.Output, err)
			}
		})
	}
}

// TestGrownInstanceIsReplaced: an instance whose memory grew past half of
// limits.memory_pages (256 pages here) is closed after its call; one that
// stayed small is kept.
func TestGrownInstanceIsReplaced(t *testing.T) {
	h := echoHost(t)
	steps := []struct {
		entry, input, want string
	}{
		{"count", "", "1"},
		{"grow", "1", ""}, // 1 MiB: the instance stays
		{"count", "", "2"},
		{"grow", "10", ""}, // 10 MiB of a 16 MiB limit: replaced
		{"count", "", "1"},
	}
	for _, s := range steps {
		res, _, err := call(t, h, s.entry, s.input)
		if err != nil {
			t.Fatalf("%s(%s): %v", s.entry, s.input, err)
		}
		if s.want != "" && string(res.Output) != s.want {
			t.Fatalf("%s after the steps before = %s, want %s", s.entry, res.Output, s.want)
		}
	}
}

// TestGuestGCTunedToLimit: a guest's collector is set from its memory
// limit (256 pages = 16 MiB: 40% is 6,710,886 bytes).
func TestGuestGCTunedToLimit(t *testing.T) {
	res, _, err := call(t, echoHost(t), "gcenv", "")
	if err != nil || string(res.Output) != `"400 6710886"` {
		t.Fatalf("gcenv = %q, %v; want GOGC 400 and GOMEMLIMIT 6710886", res.Output, err)
	}
}

func TestExitedInstanceIsReplaced(t *testing.T) {
	h := echoHost(t)
	// extism reports a guest's os.Exit(0) as success; the module is gone.
	if _, _, err := call(t, h, "exit", ""); err != nil {
		t.Fatal(err)
	}
	res, _, err := call(t, h, "count", "")
	if err != nil || string(res.Output) != "1" {
		t.Fatalf("count after exit = %v, %v; want a fresh instance", res, err)
	}
}

func TestLogsCaptured(t *testing.T) {
	h := echoHost(t)
	res, sink, err := call(t, h, "logs", "")
	if err != nil || string(res.Output) != `"logged"` {
		t.Fatalf("logs = %v, %v", res, err)
	}
	for _, want := range []struct {
		source, msg string
		level       Level
	}{
		{"stdout", "to stdout", LevelInfo},
		{"stderr", "to stderr", LevelWarn},
		{"pdk", "pdk info", LevelInfo},
		{"pdk", "pdk warn", LevelWarn},
	} {
		l, ok := sink.find(want.source, want.msg)
		if !ok || l.Level != want.level || l.RunID != "r1" {
			t.Errorf("line %+v: got %+v (found %v)", want, l, ok)
		}
	}
	if _, ok := sink.find("pdk", "Calling function"); ok {
		t.Error("the SDK's own debug line leaked into the run log")
	}
}

func TestPoolNeverSharesAnInstance(t *testing.T) {
	h := echoHost(t)
	v, err := h.current("echo")
	if err != nil {
		t.Fatal(err)
	}
	const calls = 40
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := 0; i < calls; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := fmt.Sprintf(`{"i":%d}`, i)
			res, _, err := call(t, h, "echo", in)
			if err == nil && string(res.Output) != in {
				err = fmt.Errorf("call %d got %s", i, res.Output)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	v.pool.mu.Lock()
	peak, idle := v.pool.peak, len(v.pool.idle)
	v.pool.mu.Unlock()
	if peak > v.man.Limits.MaxInstances || idle > v.man.Limits.MaxInstances {
		t.Fatalf("peak busy %d, idle %d; max_instances is %d", peak, idle, v.man.Limits.MaxInstances)
	}
}

func TestLoadErrorsAreReported(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, ManifestFile), []byte("name: bad\nversion: 1\nexports: [run]\n"), 0o644)
	h := newTestHost(t, Options{NoPrewarm: true}, dir)
	pi, err := h.Plugin("bad")
	if err != nil || !strings.Contains(pi.Error, "no module") {
		t.Fatalf("info = %+v, %v", pi, err)
	}
	if _, _, err := call(t, h, "", ""); !errors.Is(err, ErrUnknownPlugin) {
		t.Fatal(err)
	}
	if _, err := h.Call(context.Background(), CallRequest{Plugin: "bad"}, &memSink{}); err == nil || !strings.Contains(err.Error(), "did not load") {
		t.Fatal(err)
	}
}

func TestUnlistedPluginNeedsConfig(t *testing.T) {
	needGo(t)
	cfg := config.Default()
	cfg.DataDir = sharedData
	cfg.Plugins.Dirs = []string{echoDir}
	cfg.Plugins.DisableBuiltins = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h, err := New(context.Background(), Options{Config: cfg, NoPrewarm: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.Call(context.Background(), CallRequest{Plugin: "echo"}, &memSink{}); !errors.Is(err, ErrDisabled) || !strings.Contains(err.Error(), "plugins.enabled.echo") {
		t.Fatalf("err = %v", err)
	}
	cfg.Plugins.Enabled = map[string]config.PluginConfig{"echo": {Config: map[string]any{"greeting": "hi"}}}
	h2, err := New(context.Background(), Options{Config: cfg, NoPrewarm: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	res, err := h2.Call(context.Background(), CallRequest{Plugin: "echo", Entry: "config"}, &memSink{})
	if err != nil || string(res.Output) != `{"greeting":"hi"}` {
		t.Fatalf("config = %v, %v", res, err)
	}
	if err := h2.SetEnabled(context.Background(), "echo", false); err != nil {
		t.Fatal(err)
	}
	if _, err := h2.Call(context.Background(), CallRequest{Plugin: "echo"}, &memSink{}); !errors.Is(err, ErrDisabled) {
		t.Fatalf("err = %v", err)
	}
}

func TestOnlyLoadsTheNamedPlugin(t *testing.T) {
	h := newTestHost(t, Options{NoPrewarm: true, Only: []string{"echo"}}, echoDir, "testdata/plugins/bench")
	pis, err := h.Plugins(context.Background())
	if err != nil || len(pis) != 1 || pis[0].Name != "echo" {
		t.Fatalf("plugins = %+v, %v", pis, err)
	}
}
