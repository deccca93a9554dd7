package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestInspectWarnsOfRawRequest checks that inspect flags a grant of the raw
// drive request, which "*" alone no longer gives.
func TestInspectWarnsOfRawRequest(t *testing.T) {
	h := newTestHost(t, Options{NoPrewarm: true}, "testdata/plugins/rawreq")
	in, err := h.Inspect("rawreq")
	if err != nil || in.Error != "" {
		t.Fatalf("inspect: %+v %v", in, err)
	}
	if len(in.Warnings) != 1 || !strings.Contains(in.Warnings[0], "drive.request") {
		t.Errorf("warnings = %q, want one naming drive.request", in.Warnings)
	}
	star := Grant{Functions: []string{"*"}}
	if w := GrantWarnings(star); len(w) != 0 || star.AllowsFunction(abi.FnDriveRequest) {
		t.Errorf(`"*" grants the raw request (warnings %q)`, w)
	}
}

// TestInspectWarnsOfReservedEmit checks that inspect flags an emit grant
// that reaches into the reserved subjects (issue 11: a plugin publishing on
// ">" forged internal messages), and stays quiet for an application subject.
func TestInspectWarnsOfReservedEmit(t *testing.T) {
	for _, tc := range []struct {
		emit string
		want []string // reserved areas the warning must name; nil: no warning
	}{
		{">", []string{"wasmdrive.batch.>", "wasmdrive.control.>", "$JS.>", "_INBOX.>"}},
		{"wasmdrive.*.x", []string{"wasmdrive.batch.>", "wasmdrive.control.>"}},
		{"*.batch.>", []string{"wasmdrive.batch.>"}},
		{"app.backup.>", nil},
		{"backup.run", nil},
	} {
		w := GrantWarnings(Grant{Emit: []string{tc.emit}})
		if tc.want == nil {
			if len(w) != 0 {
				t.Errorf("emit %q: warnings %q, want none", tc.emit, w)
			}
			continue
		}
		if len(w) != 1 || !strings.Contains(w[0], fmt.Sprintf("%q", tc.emit)) {
			t.Errorf("emit %q: warnings %q, want one naming the grant", tc.emit, w)
			continue
		}
		for _, a := range tc.want {
			if !strings.Contains(w[0], a) {
				t.Errorf("emit %q: warning %q does not name %s", tc.emit, w[0], a)
			}
		}
	}
}

// TestInspectShowsInterruptMode checks that inspect says how a runaway call
// is stopped: loop-header ticks for a module importing wd_call, wazero's
// own check for one that does not (the Go PDK echo plugin).
func TestInspectShowsInterruptMode(t *testing.T) {
	wasm, err := os.ReadFile("wasmmod/testdata/loop.wasm") // imports wd_call
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "loop")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "plugin.wasm"), wasm, 0o644)
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte("name: loop\nversion: 0.1.0\nwasm: plugin.wasm\nexports: [call]\n"), 0o644)
	h := newTestHost(t, Options{NoPrewarm: true}, root, echoDir)
	for name, want := range map[string]string{"loop": "ticks", "echo": "wazero"} {
		in, err := h.Inspect(name)
		if err != nil || in.Error != "" {
			t.Fatalf("inspect %s: %+v %v", name, in, err)
		}
		if in.Interrupt != want {
			t.Errorf("%s: inspect interrupt = %q, want %q", name, in.Interrupt, want)
		}
		b, _ := json.Marshal(in)
		if !strings.Contains(string(b), `"interrupt":"`+want+`"`) {
			t.Errorf("%s: inspect JSON lacks the interrupt mode: %s", name, b)
		}
	}
}
