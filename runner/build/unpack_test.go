package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

const fullGoMod = `module example.com/big

go 1.26.0

toolchain go1.26.8

require (
	github.com/extism/go-pdk v1.1.3 // the pdk
	golang.org/x/crypto v0.58.0
	golang.org/x/crypto/ssh/v2 v2.0.0
	github.com/nats-io/nats.go v1.55.0
)

require github.com/unused/thing v1.0.0 // indirect

replace golang.org/x/crypto => golang.org/x/crypto v0.57.0
replace github.com/unused/thing => ../thing
`

func TestMinimalGoMod(t *testing.T) {
	tests := []struct {
		name    string
		imports []string
		want    string
		wantErr string
	}{
		{name: "std and own packages need nothing", imports: []string{"fmt", "example.com/big/sdk", "example.com/big"},
			want: "module example.com/big\n\ngo 1.26.0\ntoolchain go1.26.8\n"},
		{name: "imports keep their modules and replacements",
			imports: []string{"github.com/extism/go-pdk", "golang.org/x/crypto/chacha20poly1305", "fmt"},
			want: "module example.com/big\n\ngo 1.26.0\ntoolchain go1.26.8\n\nrequire (\n\tgithub.com/extism/go-pdk v1.1.3\n\tgolang.org/x/crypto v0.58.0\n)\n" +
				"\nreplace (\n\tgolang.org/x/crypto => golang.org/x/crypto v0.57.0\n)\n"},
		{name: "the longest module path wins", imports: []string{"golang.org/x/crypto/ssh/v2/agent"},
			want: "module example.com/big\n\ngo 1.26.0\ntoolchain go1.26.8\n\nrequire (\n\tgolang.org/x/crypto/ssh/v2 v2.0.0\n)\n"},
		{name: "a path prefix is not a module prefix", imports: []string{"github.com/extism/go-pdkx"}, wantErr: `no module providing "github.com/extism/go-pdkx"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MinimalGoMod([]byte(fullGoMod), tt.imports)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
	if _, err := MinimalGoMod([]byte("go 1.26\n"), nil); !errors.Is(err, errNoModuleLine) {
		t.Fatalf("no module line: err = %v", err)
	}
}

// FuzzMinimalGoMod: any go.mod text gives an error or a go.mod that
// starts with its module line and reduces to itself.
func FuzzMinimalGoMod(f *testing.F) {
	f.Add([]byte(fullGoMod), "golang.org/x/crypto/scrypt")
	f.Add([]byte("module m\nrequire (\n\ta/b v1\n"), "a/b/c")
	f.Fuzz(func(t *testing.T, gomod []byte, imp string) {
		got, err := MinimalGoMod(gomod, []string{imp})
		if err != nil {
			return
		}
		if !strings.HasPrefix(string(got), "module ") {
			t.Fatalf("reduced go.mod does not start with its module line:\n%s", got)
		}
		again, err := MinimalGoMod(got, []string{imp})
		if err != nil || string(again) != string(got) {
			t.Fatalf("reducing twice changed it (%v):\n%s\nthen:\n%s", err, got, again)
		}
	})
}

func testTree() fstest.MapFS {
	return fstest.MapFS{
		"go.mod":            {Data: []byte(fullGoMod)},
		"go.sum":            {Data: []byte("golang.org/x/crypto v0.58.0 h1:x=\n")},
		"p/main.go":         {Data: []byte("package main\n\nimport _ \"golang.org/x/crypto/scrypt\"\n\nfunc main() {}\n")},
		"p/main_test.go":    {Data: []byte("package main\n")},
		"p/plugin.yaml":     {Data: []byte("name: p\n")},
		"lib/deep/x/lib.go": {Data: []byte("package x\n")},
	}
}

func TestUnpack(t *testing.T) {
	dir := t.TempDir()
	root, err := Unpack(testTree(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"go.sum", "p/main.go", "p/plugin.yaml", "lib/deep/x/lib.go", UnpackedMarker} {
		if !fileExists(filepath.Join(root, p)) {
			t.Errorf("%s was not unpacked", p)
		}
	}
	if fileExists(filepath.Join(root, "p/main_test.go")) {
		t.Error("a test file was unpacked")
	}
	gomod, _ := os.ReadFile(filepath.Join(root, "go.mod"))
	if want := "require (\n\tgolang.org/x/crypto v0.58.0\n)"; !strings.Contains(string(gomod), want) || strings.Contains(string(gomod), "nats") {
		t.Errorf("go.mod was not reduced to the imported modules:\n%s", gomod)
	}
	if mod, err := FindModule(filepath.Join(root, "p")); err != nil || mod.Root != root {
		t.Errorf("FindModule in the unpacked tree = %+v, %v", mod, err)
	}

	// Same sources: the same folder, reused as it is.
	os.WriteFile(filepath.Join(root, "p", "local-edit"), nil, 0o644)
	again, err := Unpack(testTree(), dir)
	if err != nil || again != root || !fileExists(filepath.Join(root, "p", "local-edit")) {
		t.Fatalf("second unpack = %s, %v; want %s reused", again, err, root)
	}
	// Other sources: another folder; the first stays for processes using it.
	changed := testTree()
	changed["p/main.go"] = &fstest.MapFile{Data: []byte("package main\n\nfunc main() { println() }\n")}
	other, err := Unpack(changed, dir)
	if err != nil || other == root || !fileExists(filepath.Join(root, UnpackedMarker)) {
		t.Fatalf("changed sources unpacked to %s (%v), first tree %s", other, err, root)
	}
	// A folder under the hash's name that Unpack did not finish is replaced.
	os.RemoveAll(other)
	os.MkdirAll(filepath.Join(other, "junk"), 0o755)
	if got, err := Unpack(changed, dir); err != nil || got != other || !fileExists(filepath.Join(other, UnpackedMarker)) {
		t.Fatalf("unpack over a leftover = %s, %v", got, err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".unpack-") {
			t.Errorf("temporary folder %s left behind", e.Name())
		}
	}
}

func TestUnpackNeedsGoMod(t *testing.T) {
	tree := testTree()
	delete(tree, "go.mod")
	if _, err := Unpack(tree, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Fatalf("err = %v", err)
	}
}

// TestNoToolchainAdvice: without the go command, a plugin unpacked from the
// binary gets the advice for built-in plugins, any other the general one.
func TestNoToolchainAdvice(t *testing.T) {
	root, err := Unpack(testTree(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ dir, want string }{
		{filepath.Join(root, "p"), "plugins.disable_builtins: true"},
		{echoDir, "set wasm: in its plugin.yaml"},
	}
	for _, tt := range tests {
		b := &Builder{CacheDir: t.TempDir(), Go: filepath.Join(t.TempDir(), "no-go")}
		_, err := b.Build(context.Background(), tt.dir)
		if !errors.Is(err, ErrNoToolchain) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "https://go.dev/dl") {
			t.Errorf("%s: err = %v, want advice %q", tt.dir, err, tt.want)
		}
	}
}

// TestDownloadAdvice: a build that cannot fetch a module says how to get it.
func TestDownloadAdvice(t *testing.T) {
	needGo(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/p\n\ngo 1.26.0\n\nrequire example.com/not/cached v1.0.0\n",
		"main.go": "package main\n\nimport _ \"example.com/not/cached\"\n\nfunc main() {}\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	_, err := (&Builder{CacheDir: t.TempDir()}).Build(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "cd "+dir+" && go mod download") {
		t.Fatalf("err = %v, want the go mod download advice", err)
	}
	for out, want := range map[string]string{
		"main.go:3:8: undefined: x": "",
		"go: go.mod requires go >= 1.26.0 (running go 1.25.3; GOTOOLCHAIN=local)":                              "install a newer one from https://go.dev/dl",
		"main.go:16:2: github.com/wasmdrive/wasmdrive@v0.0.0: replacement directory /x/src/1e2 does not exist": "go mod edit -replace github.com/wasmdrive/wasmdrive=$(wasmdrive plugin sdk)",
	} {
		if got := buildAdvice(dir, out); want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("advice for %q = %q, want %q", out, got, want)
		}
	}
}
