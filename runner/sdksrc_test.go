package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSDKRoot(t *testing.T) {
	root := checkoutRoot(t)
	outside := t.TempDir()
	tests := []struct {
		name         string
		wd, source   string
		wantEmbedded bool
		wantErr      string
	}{
		{name: "inside a checkout", wd: filepath.Join(root, "sdk")},
		{name: "WASMDRIVE_SOURCE names a checkout", wd: outside, source: root},
		{name: "anywhere else the embedded sdk", wd: outside, wantEmbedded: true},
		{name: "a wrong WASMDRIVE_SOURCE is reported", wd: root, source: outside, wantErr: "WASMDRIVE_SOURCE=" + outside},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.wd)
			t.Setenv(EnvSourceDir, tt.source)
			cache := t.TempDir()
			sdk, err := SDKRoot(cache)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("SDKRoot = %+v, %v; want an error naming %q", sdk, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sdk.Embedded != tt.wantEmbedded {
				t.Fatalf("SDKRoot = %+v, want embedded %v", sdk, tt.wantEmbedded)
			}
			if !tt.wantEmbedded {
				if sdk.Root != root {
					t.Fatalf("SDKRoot = %s, want the checkout %s", sdk.Root, root)
				}
				return
			}
			if !strings.HasPrefix(sdk.Root, filepath.Join(cache, "src")+string(filepath.Separator)) {
				t.Fatalf("SDKRoot = %s, want a folder under %s/src", sdk.Root, cache)
			}
			checkSDKTree(t, sdk.Root)
		})
	}
}

// checkSDKTree: an unpacked sdk holds go.mod, go.sum and the sdk packages
// only, and its go.mod requires nothing but what the sdk imports.
func checkSDKTree(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, e := range ents {
		top = append(top, e.Name())
	}
	if got := strings.Join(top, " "); got != ".wasmdrive-unpacked go.mod go.sum sdk" {
		t.Errorf("unpacked sdk holds %s", got)
	}
	for _, p := range []string{"sdk/entry.go", "sdk/abi"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("unpacked sdk lacks %s: %v", p, err)
		}
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gomod), "github.com/extism/go-pdk v") {
		t.Errorf("unpacked sdk's go.mod does not require go-pdk:\n%s", gomod)
	}
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.Contains(f[0], ".") && f[0] != "github.com/extism/go-pdk" {
			t.Errorf("unpacked sdk's go.mod requires %s:\n%s", f[0], gomod)
		}
	}
}

// TestSDKFSHidesTheRest: the filtered tree shows no plugin or host file.
func TestSDKFSHidesTheRest(t *testing.T) {
	fsys := sdkFS{os.DirFS(checkoutRoot(t))}
	for name, want := range map[string]bool{
		".": true, "go.mod": true, "go.sum": true, "sdk": true, "sdk/entry.go": true, "sdk/abi": true,
		"plugins": false, "plugins/backup/main.go": false, "runner": false, "sources.go": false, "../go.mod": false,
	} {
		f, err := fsys.Open(name)
		if got := err == nil; got != want {
			t.Errorf("Open(%q) error %v, want visible %v", name, err, want)
		}
		if f != nil {
			f.Close()
		}
	}
	if _, err := fsys.ReadDir("plugins"); err == nil {
		t.Error("ReadDir(plugins) succeeded")
	}
}
