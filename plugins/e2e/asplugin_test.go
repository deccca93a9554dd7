package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/internal/demo"
	"github.com/wasmdrive/wasmdrive/runner"
)

// asPluginSrc is the AssemblyScript example plugin.
const asPluginSrc = "../examples/as-backup-lite"

// buildASPlugin builds the AssemblyScript plugin with its own npm
// toolchain (assemblyscript and @extism/as-pdk from package-lock.json) into
// a fresh plugin folder and returns that folder. Without node and npm it
// skips, except under CI (CI=true, as .ci/run sets), where CI installs
// them and a skip would hide the test.
func buildASPlugin(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
				t.Fatalf("%s is not on PATH; CI must install Node.js and npm (.ci/run) to build the AssemblyScript plugin", tool)
			}
			t.Skipf("%s is not on PATH: install Node.js and npm (Debian: apt-get install nodejs npm) to build and test the AssemblyScript plugin", tool)
		}
	}
	src, err := filepath.Abs(asPluginSrc)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "as-backup-lite")
	if err := os.MkdirAll(filepath.Join(dir, "assembly"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"package.json", "package-lock.json", "plugin.yaml", "assembly/index.ts", "assembly/json.ts", "assembly/wd.ts"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	npm := func(args ...string) {
		t.Helper()
		cmd := exec.Command("npm", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
		}
	}
	// CI fetches the packages into the source folder (npm ci there) before
	// the tests; elsewhere the copy fetches its own.
	if _, err := os.Stat(filepath.Join(src, "node_modules", "assemblyscript")); err == nil {
		if err := os.Symlink(filepath.Join(src, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
			t.Fatal(err)
		}
	} else {
		npm("ci", "--no-audit", "--no-fund")
	}
	npm("run", "build")
	if _, err := os.Stat(filepath.Join(dir, "plugin.wasm")); err != nil {
		t.Fatalf("npm run build made no plugin.wasm: %v", err)
	}
	return dir
}

// logSink records a run's log lines.
type logSink struct {
	mu    sync.Mutex
	lines []runner.LogLine
}

func (s *logSink) Log(l runner.LogLine)     { s.mu.Lock(); s.lines = append(s.lines, l); s.mu.Unlock() }
func (s *logSink) Progress(runner.Progress) {}

// find returns the first line with msg containing sub.
func (s *logSink) find(sub string) *runner.LogLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.lines {
		if strings.Contains(s.lines[i].Msg, sub) {
			return &s.lines[i]
		}
	}
	return nil
}

// TestAssemblyScriptPluginEndToEnd builds the AssemblyScript plugin with
// the Extism AssemblyScript PDK and runs it with the real host on a local
// drive: it lists the drive folder and the host folder, uploads what the
// drive lacks, gets each upload back, keeps a run count in KV and logs
// through wd_log and the Extism log; a second run uploads only the changed
// file, and a source outside the grant is refused.
func TestAssemblyScriptPluginEndToEnd(t *testing.T) {
	dir := buildASPlugin(t)
	ctx := context.Background()
	d, err := local.Open(t.TempDir(), local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	src := t.TempDir()
	WriteFile(t, filepath.Join(src, "a.txt"), []byte("alpha\n"))
	WriteFile(t, filepath.Join(src, "b.bin"), []byte("bravo-bytes"))
	WriteFile(t, filepath.Join(src, "sub", "c.txt"), []byte("not recursive"))
	// The drive already holds b.bin with the same size: skipped.
	seedDrive(t, d, map[string][]byte{"/backup-lite/b.bin": []byte("BRAVO-BYTES")})

	cache, err := CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = cache
	cfg.Plugins.Dirs = []string{dir}
	cfg.Plugins.DisableBuiltins = true
	cfg.Plugins.Enabled = map[string]config.PluginConfig{"as-backup-lite": {
		Config: map[string]any{"source": src},
		Grants: map[string]any{
			"functions": []any{"drive.read", "drive.write", "local", "kv"},
			"drive":     map[string]any{"read": []any{"/backup-lite"}, "write": []any{"/backup-lite"}},
			"local":     map[string]any{"read": []any{src}},
		},
	}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	kvDir := t.TempDir()
	kv := demo.NewFileKV(kvDir)
	h, err := runner.New(ctx, runner.Options{Config: cfg, KV: kv, NoPrewarm: true, NoWatch: true,
		Drives: func(context.Context, string) (drive.Drive, error) { return d, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if pi, err := h.Plugin("as-backup-lite"); err != nil || pi.Error != "" {
		t.Fatalf("the AssemblyScript plugin did not load: %+v %v", pi, err)
	}

	type output struct {
		Uploaded []string `json:"uploaded"`
		Skipped  int      `json:"skipped"`
		Bytes    int64    `json:"bytes"`
		Run      int      `json:"run"`
	}
	run := func(input string) (output, *logSink, error) {
		t.Helper()
		s := &logSink{}
		var in json.RawMessage
		if input != "" {
			in = json.RawMessage(input)
		}
		res, err := h.Call(ctx, runner.CallRequest{Plugin: "as-backup-lite", Entry: "run", Input: in, RunID: "as-run"}, s)
		var out output
		if err == nil {
			if jerr := json.Unmarshal(res.Output, &out); jerr != nil {
				t.Fatalf("output %q: %v", res.Output, jerr)
			}
		}
		return out, s, err
	}
	content := func(p string) string {
		t.Helper()
		f, err := d.GetByPath(ctx, p)
		if err != nil {
			t.Fatalf("%s on the drive: %v", p, err)
		}
		rc, err := d.Download(ctx, f.FileID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	state := func() string {
		t.Helper()
		// The host keeps a plugin's keys under PLUGIN.ACCOUNT.
		keys, err := kv.List(ctx, "as-backup-lite.")
		if err != nil || len(keys) != 1 || !strings.HasSuffix(keys[0], ".state") {
			t.Fatalf("KV keys of the plugin: %q (%v), want its one state key", keys, err)
		}
		e, err := kv.Get(ctx, keys[0])
		if err != nil {
			t.Fatalf("KV state: %v", err)
		}
		return string(e.Value)
	}

	out, logs, err := run("")
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if !slices.Equal(out.Uploaded, []string{"a.txt"}) || out.Skipped != 1 || out.Bytes != 6 || out.Run != 1 {
		t.Errorf("first run output %+v, want a.txt uploaded (6 bytes), b.bin skipped, run 1", out)
	}
	if got := content("/backup-lite/a.txt"); got != "alpha\n" {
		t.Errorf("/backup-lite/a.txt = %q", got)
	}
	if got := content("/backup-lite/b.bin"); got != "BRAVO-BYTES" {
		t.Errorf("b.bin was overwritten: %q", got)
	}
	if _, err := d.GetByPath(ctx, "/backup-lite/c.txt"); err == nil {
		t.Error("a file of a sub-folder was uploaded; the plugin lists one level")
	}
	if got := state(); got != `{"runs":1}` {
		t.Errorf("KV state after run 1 = %q", got)
	}
	l := logs.find("as-backup-lite: backed up")
	if l == nil || l.Source != "plugin" || l.Level != "info" {
		t.Fatalf("no wd_log line from the plugin: %+v", logs.lines)
	}
	if l.Fields["uploaded"] != float64(1) || l.Fields["skipped"] != float64(1) || l.Fields["target"] != "/backup-lite" {
		t.Errorf("wd_log fields = %v", l.Fields)
	}
	if l := logs.find("run 1 done through the Extism log"); l == nil || l.Source != "pdk" {
		t.Errorf("no Extism log_info line (source pdk): %+v", logs.lines)
	}

	// A changed file is uploaded again; the KV count goes on.
	WriteFile(t, filepath.Join(src, "a.txt"), []byte("alpha, longer\n"))
	out, _, err = run("")
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !slices.Equal(out.Uploaded, []string{"a.txt"}) || out.Skipped != 1 || out.Run != 2 {
		t.Errorf("second run output %+v, want a.txt again, b.bin skipped, run 2", out)
	}
	if got := content("/backup-lite/a.txt"); got != "alpha, longer\n" {
		t.Errorf("/backup-lite/a.txt after run 2 = %q", got)
	}
	if got := state(); got != `{"runs":2}` {
		t.Errorf("KV state after run 2 = %q", got)
	}

	// The input overrides the source; one outside the local grant is
	// refused by the host and the plugin fails with the ABI's code.
	other := t.TempDir()
	_, _, err = run(`{"source":` + strconvQuote(other) + `}`)
	if err == nil || !strings.Contains(err.Error(), "permission_denied") {
		t.Errorf("run with a source outside the grant: %v, want permission_denied", err)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(state())) != nil {
		t.Errorf("KV state is not JSON: %q", state())
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
