package runner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner/build"
)

// checkoutRoot is this checkout (the tests run in runner/).
func checkoutRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil || !isSourceRoot(root) {
		t.Fatalf("the tests do not run inside a checkout: %s %v", root, err)
	}
	return root
}

func TestBuiltinDirFindsSources(t *testing.T) {
	root := checkoutRoot(t)
	outside := t.TempDir()
	cache := t.TempDir()
	tests := []struct {
		name    string
		wd      string
		source  string // WASMDRIVE_SOURCE
		want    string // "" means: the embedded copy under cache
		wantErr string
	}{
		{name: "inside a checkout its sources win", wd: filepath.Join(root, "plugins", "backup"), want: filepath.Join(root, "plugins")},
		{name: "WASMDRIVE_SOURCE names a checkout", wd: outside, source: root, want: filepath.Join(root, "plugins")},
		{name: "anywhere else the embedded copy", wd: outside},
		{name: "a wrong WASMDRIVE_SOURCE is reported", wd: root, source: outside, wantErr: "WASMDRIVE_SOURCE=" + outside},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.wd)
			t.Setenv(EnvSourceDir, tt.source)
			got, err := BuiltinDir(cache)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("BuiltinDir = %s, %v; want an error naming %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if !strings.HasPrefix(got, filepath.Join(cache, "src")+string(filepath.Separator)) {
					t.Fatalf("BuiltinDir = %s, want the unpacked copy under %s", got, cache)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("BuiltinDir = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestEmbeddedSourcesComplete: the sources embedded in the binary hold
// every file a build of each built-in plugin reads from the checkout, so
// a package added under plugins/ or sdk/ cannot be forgotten in sources.go.
func TestEmbeddedSourcesComplete(t *testing.T) {
	root := checkoutRoot(t)
	t.Chdir(t.TempDir())
	t.Setenv(EnvSourceDir, "")
	dir, err := BuiltinDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	unpacked := filepath.Dir(dir)
	for _, name := range config.BuiltinPlugins {
		want := relSources(t, root, filepath.Join(root, "plugins", name))
		got := relSources(t, unpacked, filepath.Join(dir, name))
		for _, f := range want {
			if !slices.Contains(got, f) {
				t.Errorf("%s: %s is not embedded: add it to the //go:embed lines of sources.go", name, f)
			}
		}
		if _, err := LoadManifest(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: embedded manifest: %v", name, err)
		}
	}
}

// relSources lists the files a build of the plugin in dir reads, relative
// to the module root.
func relSources(t *testing.T, root, dir string) []string {
	t.Helper()
	mod, err := build.FindModule(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := build.SourceFiles(dir, mod)
	if err != nil {
		t.Fatalf("sources of %s: %v (a package missing from the //go:embed lines of sources.go?)", dir, err)
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i], _ = filepath.Rel(root, f)
	}
	return out
}

// TestSourceRootIgnoresNonCheckouts: a go.mod of another module is not a
// checkout.
func TestSourceRootIgnoresNonCheckouts(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "go.mod"), []byte("module example.com/other\n"), 0o644)
	t.Chdir(d)
	t.Setenv(EnvSourceDir, "")
	if root, err := SourceRoot(); err == nil {
		t.Fatalf("SourceRoot = %s, want none", root)
	}
}
