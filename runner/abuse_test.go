package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner/build"
)

// TestAbusePluginContained runs the shared abuse plugin
// (testdata/plugins/abuse, written against the host functions) next to
// the echo plugin: every misbehaviour ends its own call with a clear
// error, and both plugins keep serving.
func TestAbusePluginContained(t *testing.T) {
	if raceEnabled {
		t.Skip("compiles a second plugin, which takes minutes under -race; the pool's concurrency is raced with the echo plugin")
	}
	needGo(t)
	b := &build.Builder{CacheDir: filepath.Join(sharedData, "cache", "build")}
	res, err := b.Build(context.Background(), filepath.Join("..", "testdata", "plugins", "abuse"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "abuse")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "plugin.wasm"), wasm, 0o644)
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`name: abuse
version: 0.1.0
wasm: plugin.wasm
exports: [loop, bomb, panic, huge, hostloop, ok]
capabilities: {functions: [drive.read], drive: {read: ["/"]}}
limits: {timeout: 2s, memory_pages: 256}
`), 0o644)
	h := newTestHost(t, Options{NoPrewarm: true}, root, echoDir)
	// The sdk plugin imports wd_call and runs with loop-header ticks; the
	// echo plugin does not and runs with wazero's own check.
	for name, want := range map[string]string{"abuse": "ticks", "echo": "wazero"} {
		if pi, err := h.Plugin(name); err != nil || pi.Interrupt != want {
			t.Fatalf("%s: interrupt = %q (%v), want %q", name, pi.Interrupt, err, want)
		}
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // the other plugin keeps answering meanwhile
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if res, _, err := call(t, h, "echo", `1`); err != nil || string(res.Output) != "1" {
				t.Errorf("echo during abuse: %v", err)
				return
			}
		}
	}()
	tests := []struct {
		entry string
		want  error
		text  string
	}{
		{"loop", ErrTimeout, "limits.timeout"},
		{"hostloop", ErrTimeout, "limits.timeout"},
		{"bomb", ErrTrap, ""}, // or a timeout: it allocates in small steps
		{"panic", ErrTrap, "panic"},
		// A 5 MiB host request: refused by the host (the plugin returns the
		// code) or, as copying 5 MiB through extism memory with timeout
		// checks takes seconds, stopped by the timeout.
		{"huge", nil, "invalid_argument"},
	}
	for _, tc := range tests {
		sink := &memSink{}
		res, err := h.Call(context.Background(), CallRequest{Plugin: "abuse", Entry: tc.entry, RunID: "a"}, sink)
		if tc.want == nil {
			if !errors.Is(err, ErrTimeout) && (err != nil || !strings.Contains(string(res.Output), tc.text)) {
				t.Errorf("%s: %v, %v; want %q or a timeout", tc.entry, res, err, tc.text)
			}
		} else if tc.entry == "bomb" && errors.Is(err, ErrTimeout) {
			// contained too
		} else if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: err = %v, want %v mentioning %q", tc.entry, err, tc.want, tc.text)
		}
		res, err = h.Call(context.Background(), CallRequest{Plugin: "abuse", Entry: "ok"}, &memSink{})
		if err != nil || string(res.Output) != `"fine"` {
			t.Fatalf("ok after %s = %v, %v", tc.entry, res, err)
		}
	}
	close(stop)
	wg.Wait()
}
