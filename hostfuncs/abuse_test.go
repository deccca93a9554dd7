package hostfuncs

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestAbusivePlugins checks that each misbehaviour ends its call with a
// clear error, and that the host (and a fresh instance) carry on.
func TestAbusivePlugins(t *testing.T) {
	wasm := buildPlugin(t, "abuse")
	f := newFixture(t, Grant{Functions: []string{"drive.read"}, Drive: DriveGrant{Read: []string{"/"}}})
	tests := []struct {
		entry   string
		timeout uint64 // ms; default 1000
		wantErr string // substring of the call error; "" = the call succeeds
		output  string // expected output when it succeeds
		stderr  string // substring expected on the instance's stderr
	}{
		{entry: "loop", wantErr: "deadline exceeded"},
		{entry: "bomb", timeout: 30000, wantErr: "unreachable", stderr: "out of memory"},
		{entry: "panic", wantErr: "unreachable", stderr: "deliberate panic"},
		{entry: "huge", timeout: 20000, output: `{"fast":"` + abi.CodeInvalidArgument + `","kernel":"` + abi.CodeInvalidArgument + `"}`},
		{entry: "hostloop", wantErr: "deadline exceeded"},
	}
	for _, tt := range tests {
		for _, mode := range []struct {
			name        string
			wazeroCheck bool
		}{{"ticks", false}, {"wazero", true}} {
			t.Run(tt.entry+"/"+mode.name, func(t *testing.T) {
				abuse(t, wasm, f, tt.entry, tt.timeout, tt.wantErr, tt.output, tt.stderr, mode.wazeroCheck)
			})
		}
	}
}

// abuse runs one misbehaving entry point with the given interruption mode.
func abuse(t *testing.T, wasm []byte, f *fixture, entry string, timeout uint64, wantErr, output, wantStderr string, wazeroCheck bool) {
	var stderr bytes.Buffer
	if timeout == 0 {
		timeout = 1000
	}
	p := newPlugin(t, wasm, pluginOpts{maxPages: 512, stderr: &stderr, wazeroCheck: wazeroCheck})
	ctx, cancel := context.WithTimeout(WithEnv(context.Background(), f.env), time.Duration(timeout)*time.Millisecond)
	defer cancel()
	_, out, err := p.CallWithContext(ctx, entry, nil)
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("call failed: %v", err)
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Fatalf("error = %v, want it to contain %q", err, wantErr)
	case wantErr == "" && string(out) != output:
		t.Errorf("output = %s, want %s", out, output)
	}
	if !strings.Contains(stderr.String(), wantStderr) {
		t.Errorf("stderr %q lacks %q", stderr.String(), wantStderr)
	}
	// A fresh instance of the same compiled plugin still works.
	q := newPlugin(t, wasm, pluginOpts{wazeroCheck: wazeroCheck})
	if _, out, err := q.CallWithContext(WithEnv(context.Background(), f.env), "ok", nil); err != nil || string(out) != `"fine"` {
		t.Errorf("fresh instance after %s: %s, %v", entry, out, err)
	}
}

// TestSpinningPluginDoesNotStallGC: a guest spinning in a loop must not
// hold up the Go garbage collector (whose stop-the-world waits for every
// goroutine, and native Wasm code cannot be preempted): the loop reaches
// the host often enough, with ticks as with wazero's check, that a
// collection finishes while the plugin is still spinning. (Without either,
// the whole test binary stalls at runtime.GC until the go test timeout.)
func TestSpinningPluginDoesNotStallGC(t *testing.T) {
	wasm := buildPlugin(t, "abuse")
	f := newFixture(t, Grant{})
	for _, mode := range []struct {
		name        string
		wazeroCheck bool
	}{{"ticks", false}, {"wazero", true}} {
		t.Run(mode.name, func(t *testing.T) {
			p := newPlugin(t, wasm, pluginOpts{wazeroCheck: mode.wazeroCheck})
			ctx, cancel := context.WithTimeout(WithEnv(context.Background(), f.env), 20*time.Second)
			defer cancel()
			var spinning atomic.Bool
			spinning.Store(true)
			done := make(chan error, 1)
			go func() {
				_, _, err := p.CallWithContext(ctx, "loop", nil)
				spinning.Store(false)
				done <- err
			}()
			time.Sleep(50 * time.Millisecond) // let it enter the loop
			runtime.GC()
			if !spinning.Load() {
				t.Fatal("the plugin stopped before the collection finished: the GC waited for it")
			}
			cancel()
			if err := <-done; err == nil {
				t.Fatal("the spinning call ended without an error")
			}
		})
	}
}
