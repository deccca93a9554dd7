package runner

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
)

// TestPluginDirsAddToBuiltins: plugins.dirs adds folders to the built-in
// plugins instead of replacing them (issue 15: the README's plugins.dirs
// made enabled.backup silently do nothing); plugins.disable_builtins
// leaves only plugins.dirs.
func TestPluginDirsAddToBuiltins(t *testing.T) {
	root, err := SourceRoot()
	if err != nil {
		t.Fatal(err)
	}
	extra := t.TempDir()
	for _, tc := range []struct {
		name     string
		disable  bool
		want     []string
		wantBack bool // the catalog lists backup
	}{
		{"dirs add to the built-ins", false, []string{filepath.Join(root, "plugins"), extra}, true},
		{"disable_builtins leaves dirs", true, []string{extra}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.Plugins.Dirs = []string{extra}
			cfg.Plugins.DisableBuiltins = tc.disable
			if got := PluginDirs(cfg, cfg.DataDir); !slices.Equal(got, tc.want) {
				t.Fatalf("PluginDirs = %v, want %v", got, tc.want)
			}
			infos, err := ManifestCatalog{Config: cfg}.Plugins(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			back := slices.ContainsFunc(infos, func(p PluginInfo) bool { return p.Name == "backup" })
			if back != tc.wantBack {
				t.Fatalf("catalog lists backup: %v, want %v (%v)", back, tc.wantBack, infos)
			}
		})
	}
	// A built-in's own folder named in plugins.dirs is loaded once.
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Plugins.Dirs = []string{filepath.Join(root, "plugins", "backup")}
	if got := findPluginDirs(PluginDirs(cfg, cfg.DataDir)); len(got) != len(slices.Compact(slices.Sorted(slices.Values(got)))) {
		t.Fatalf("a folder listed twice: %v", got)
	}
}
