package hostfuncs

import (
	"bytes"
	"context"
	"strings"
	"testing"

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
		t.Run(tt.entry, func(t *testing.T) {
			var stderr bytes.Buffer
			if tt.timeout == 0 {
				tt.timeout = 1000
			}
			p := newPlugin(t, wasm, pluginOpts{timeoutMs: tt.timeout, maxPages: 512, stderr: &stderr})
			_, out, err := p.CallWithContext(WithEnv(context.Background(), f.env), tt.entry, nil)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("call failed: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			case tt.wantErr == "" && string(out) != tt.output:
				t.Errorf("output = %s, want %s", out, tt.output)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.stderr)
			}
			// A fresh instance of the same compiled plugin still works.
			q := newPlugin(t, wasm, pluginOpts{timeoutMs: 1000})
			if _, out, err := q.CallWithContext(WithEnv(context.Background(), f.env), "ok", nil); err != nil || string(out) != `"fine"` {
				t.Errorf("fresh instance after %s: %s, %v", tt.entry, out, err)
			}
		})
	}
}
