package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
)

// TestPluginAuthorOutsideCheckout builds the binary and, from a folder
// outside any checkout or Go module with WASMDRIVE_SOURCE unset (a plugin
// author with only Go and an installed wasmdrive), scaffolds a plugin,
// builds it and runs it. The plugin's module builds against the sdk
// embedded in the binary and needs none of the host's dependencies: the
// build runs with GOPROXY=off and go.sum lists only go-pdk.
func TestPluginAuthorOutsideCheckout(t *testing.T) {
	goBin, bin := installedBinary(t, "builds the wasmdrive binary and a plugin")
	goCache, err := exec.Command(goBin, "env", "GOCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOCACHE: %v", err)
	}
	// A fresh XDG_CACHE_HOME for the unpacked sdk; GOCACHE stays put (it
	// defaults to a folder under XDG_CACHE_HOME) so the standard library
	// is not compiled again.
	work, cache := t.TempDir(), t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		cmd.Env = append(environWithout(runner.EnvSourceDir, "WASMDRIVE_CONFIG", "XDG_CACHE_HOME", "GOCACHE", "GOPROXY", "GOFLAGS"),
			"XDG_CACHE_HOME="+cache, "GOCACHE="+strings.TrimSpace(string(goCache)), "GOPROXY=off", "GOFLAGS=-mod=readonly")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		began := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("wasmdrive %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		t.Logf("wasmdrive %s: %v", strings.Join(args, " "), time.Since(began))
		return out.String()
	}

	out := run("plugin", "new", "hello")
	if !strings.Contains(out, "wasmdrive plugin build ./hello") {
		t.Fatalf("plugin new: %s", out)
	}
	sdkDir := strings.TrimSpace(run("plugin", "sdk"))
	if !strings.HasPrefix(sdkDir, filepath.Join(cache, "wasmdrive", "src")) {
		t.Fatalf("plugin sdk = %s, want a folder under %s", sdkDir, cache)
	}
	gomod := readFile(t, filepath.Join(work, "hello", "go.mod"))
	for _, want := range []string{"require github.com/wasmdrive/wasmdrive v0.0.0\n", "replace github.com/wasmdrive/wasmdrive => " + sdkDir + "\n"} {
		if !strings.Contains(gomod, want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(readFile(t, filepath.Join(work, "hello", "go.sum"))), "\n") {
		if !strings.HasPrefix(line, "github.com/extism/go-pdk ") {
			t.Errorf("go.sum lists more than the sdk's dependency: %s", line)
		}
	}

	out = run("plugin", "build", "./hello")
	if !strings.Contains(out, "hello 0.1.0 built: hello/hello.wasm") {
		t.Fatalf("plugin build: %s", out)
	}
	out = run("run", "./hello", "--input", `{"folder":"/"}`)
	var res struct {
		Greeting string `json:"greeting"`
		Folder   string `json:"folder"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Greeting != "hello" || res.Folder != "/" {
		t.Fatalf("run output %q: %v", out, err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseGoMod(t *testing.T) {
	tests := []struct {
		name, in, goLine string
		reqs             map[string]string
	}{
		{"block and single", "module m\n\ngo 1.26.0\n\nrequire (\n\ta.com/x v1.0.0 // indirect\n\tb.com/y v2.1.0\n)\n\nrequire c.com/z v0.3.0\n",
			"go 1.26.0", map[string]string{"a.com/x": "v1.0.0", "b.com/y": "v2.1.0", "c.com/z": "v0.3.0"}},
		{"comments and replace ignored", "// c\nmodule m // here\ngo 1.25\nreplace a.com/x => ../x\n", "go 1.25", map[string]string{}},
		{"empty", "", "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goLine, reqs := parseGoMod(tt.in)
			if goLine != tt.goLine || len(reqs) != len(tt.reqs) {
				t.Fatalf("parseGoMod = %q %v, want %q %v", goLine, reqs, tt.goLine, tt.reqs)
			}
			for k, v := range tt.reqs {
				if reqs[k] != v {
					t.Fatalf("parseGoMod reqs = %v, want %v", reqs, tt.reqs)
				}
			}
		})
	}
}

// TestScaffoldGoModChoice: a plugin becomes a package of an enclosing
// module only when that module is or requires wasmdrive; elsewhere it is a
// module of its own.
func TestScaffoldGoModChoice(t *testing.T) {
	tests := []struct {
		name      string
		parentMod string // "" = no go.mod around
		wantGoMod bool
	}{
		{"no module around", "", true},
		{"a module requiring wasmdrive", "module example.com/mine\n\ngo 1.26.0\n\nrequire github.com/wasmdrive/wasmdrive v0.3.0\n", false},
		{"an unrelated module", "module example.com/other\n\ngo 1.26.0\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			if tt.parentMod != "" {
				if err := os.WriteFile(filepath.Join(parent, "go.mod"), []byte(tt.parentMod), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			files, err := scaffold(&cliEnv{}, "p", filepath.Join(parent, "p"))
			if err != nil {
				t.Fatal(err)
			}
			var gomod string
			for _, f := range files {
				if f.name == "go.mod" {
					gomod = f.body
				}
			}
			if (gomod != "") != tt.wantGoMod {
				t.Fatalf("go.mod written = %v, want %v:\n%s", gomod != "", tt.wantGoMod, gomod)
			}
			if gomod != "" && !strings.Contains(gomod, "require github.com/extism/go-pdk v1.1.3 // indirect") {
				t.Fatalf("go.mod lacks the sdk's dependency:\n%s", gomod)
			}
		})
	}
}
