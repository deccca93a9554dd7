package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/build"
)

// TestInstalledBinaryOutsideCheckout builds the binary and runs it from a
// folder outside any checkout with WASMDRIVE_SOURCE unset, as after `go
// install`: the demo builds the built-in plugins from the sources embedded
// in the binary, and the commands its closing hint prints work.
func TestInstalledBinaryOutsideCheckout(t *testing.T) {
	_, bin := installedBinary(t, "builds the wasmdrive binary and the built-in plugins")
	work := t.TempDir()
	run := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		cmd.Env = environWithout(runner.EnvSourceDir, "WASMDRIVE_CONFIG")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("wasmdrive %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}

	out, errOut := run("--data", "data", "demo")
	// One log format on the terminal: the log package's "2026/12/08 01:40:23
	// INFO …" lines (slog's default before it is set) must not mix with
	// slog's text lines (issue 15).
	if m := regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `).FindString(errOut); m != "" {
		t.Errorf("stderr mixes the log package's format with slog's:\n%s", errOut)
	}
	demoDir := filepath.Join(work, "data", "demo")
	for _, want := range []string{
		"the restored files equal the inbox byte for byte",
		"7 files on the drive checked against the backup manifest, 7 match",
		bin + " --data " + demoDir + " drive tree /",
		bin + " --data " + demoDir + " run backup",
		"http://127.0.0.1:8377",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "map[") {
		t.Errorf("demo output prints Go maps:\n%s", out)
	}
	unpacked, _ := filepath.Glob(filepath.Join(demoDir, "cache", "build", "src", "*", build.UnpackedMarker))
	if len(unpacked) != 1 {
		t.Fatalf("the plugins were not built from the embedded sources (unpacked trees: %v)", unpacked)
	}

	// The hint's commands, from the same folder.
	if out, _ := run("--data", demoDir, "drive", "tree", "/"); !strings.Contains(out, "sunset-final.jpg") || !strings.Contains(out, "Archive/") {
		t.Errorf("drive tree after the demo:\n%s", out)
	}
	if err := os.WriteFile(filepath.Join(demoDir, "inbox", "added.txt"), []byte("one more\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ = run("--data", demoDir, "run", "backup")
	var sum struct {
		Status    string `json:"status"`
		Uploaded  int    `json:"uploaded"`
		Unchanged int    `json:"unchanged"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Status != "ok" || sum.Uploaded != 1 || sum.Unchanged != 7 {
		t.Fatalf("run backup after the demo = %+v (%v), want ok with 1 uploaded and 7 unchanged:\n%s", sum, err, out)
	}
}

// TestBuiltinsWithoutToolchain: without the go command, the built-in
// plugins cannot be built and the CLI says what to do.
func TestBuiltinsWithoutToolchain(t *testing.T) {
	t.Chdir(t.TempDir()) // outside the checkout: the embedded sources
	t.Setenv(runner.EnvSourceDir, "")
	t.Setenv("PATH", t.TempDir()) // no go here
	for _, args := range [][]string{{"run", "backup"}, {"demo"}} {
		code, _, errs := wd(t, t.TempDir(), args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s", args, code, errs)
		}
		for _, want := range []string{"the Go toolchain (go) is not on PATH", "install it from https://go.dev/dl", "plugins.disable_builtins: true"} {
			if !strings.Contains(errs, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, errs)
			}
		}
	}
}

func TestConsoleURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:8377", "http://127.0.0.1:8377"},
		{":8377", "http://127.0.0.1:8377"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000"},
		{"[::]:9000", "http://127.0.0.1:9000"},
		{"drive.example:80", "http://drive.example:80"},
		{"[::1]:8377", "http://[::1]:8377"},
	}
	for _, tt := range tests {
		if got := consoleURL(tt.addr); got != tt.want {
			t.Errorf("consoleURL(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/tmp/data/demo", "/tmp/data/demo"},
		{"/tmp/my data", "'/tmp/my data'"},
		{"it's", `'it'\''s'`},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// environWithout is the environment minus the named variables.
func environWithout(names ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
