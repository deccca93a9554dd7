package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPluginNewBuildRun scaffolds a plugin outside any Go module, builds
// it twice (the same bytes, the second time from the cache) and runs it on
// the local drive.
func TestPluginNewBuildRun(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; plugin builds need it")
	}
	data, work := t.TempDir(), t.TempDir()
	out := mustWD(t, data, "plugin", "new", "hello", "--dir", work)
	dir := filepath.Join(work, "hello")
	if !strings.Contains(out, "wasmdrive plugin build "+dir) {
		t.Fatalf("new: %s", out)
	}
	if code, _, errs := wd(t, data, "plugin", "new", "hello", "--dir", work); code == 0 || !strings.Contains(errs, "already exists") {
		t.Fatalf("second new: exit %d %s", code, errs)
	}
	type built struct {
		SHA256 string `json:"sha256"`
		Cached bool   `json:"cached"`
		Wasm   string `json:"wasm"`
	}
	var b1, b2 built
	if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "plugin", "build", dir)), &b1); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mustWD(t, t.TempDir(), "--json", "plugin", "build", dir)), &b2); err != nil {
		t.Fatal(err)
	}
	if b1.SHA256 == "" || b1.SHA256 != b2.SHA256 || b1.Wasm != filepath.Join(dir, "hello.wasm") {
		t.Fatalf("builds differ: %+v %+v", b1, b2)
	}
	if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "plugin", "build", dir)), &b2); err != nil || !b2.Cached {
		t.Fatalf("rebuild not cached: %+v %v", b2, err)
	}

	mustWD(t, data, "drive", "mkdir", "-p", "/docs/a")
	code, stdout, stderr := wd(t, data, "run", dir, "--input", `{"folder":"/docs"}`)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	var res struct {
		Greeting string `json:"greeting"`
		Folders  int    `json:"folders"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Greeting != "hello" || res.Folders != 1 {
		t.Fatalf("run output %q: %v", stdout, err)
	}
	if !strings.Contains(stderr, "INFO  plugin listed") {
		t.Fatalf("run logs: %q", stderr)
	}
	code, _, stderr = wd(t, data, "run", dir, "--input", `{"folder":"/missing"}`)
	if code == 0 || !strings.Contains(stderr, "not_found") {
		t.Fatalf("failing run: exit %d %s", code, stderr)
	}

	out = mustWD(t, data, "plugin", "inspect", dir)
	for _, want := range []string{"name:     hello", "sha256:   " + b1.SHA256, "exports (module): _initialize, run", "wd_drive_list", "interrupt: ticks", `"drive.read"`} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect lacks %q:\n%s", want, out)
		}
	}
}

// TestPluginToolingLeavesNoDataDir: `plugin new` and `plugin build` with
// no data folder configured create no ./wasmdrive-data where the user
// stands, and the scaffold points at sdk/ABI.md, not at Go sources of the
// repo (issue 15, Start-up).
func TestPluginToolingLeavesNoDataDir(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; plugin builds need it")
	}
	cwd := t.TempDir()
	t.Chdir(cwd)
	t.Setenv("WASMDRIVE_DATA_DIR", "")
	os.Unsetenv("WASMDRIVE_DATA_DIR") // t.Setenv restores it
	for _, args := range [][]string{{"plugin", "new", "hello"}, {"plugin", "build", "hello"}} {
		var out, errb bytes.Buffer
		if code := runMain(append([]string{"--config", ""}, args...), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errb.String())
		}
		if _, err := os.Stat(filepath.Join(cwd, "wasmdrive-data")); err == nil {
			t.Fatalf("%v created ./wasmdrive-data", args)
		}
	}
	man, err := os.ReadFile(filepath.Join(cwd, "hello", "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(man), "runner/manifest.go") || !strings.Contains(string(man), "sdk/ABI.md") {
		t.Errorf("scaffold plugin.yaml does not point at sdk/ABI.md:\n%s", man)
	}
}
