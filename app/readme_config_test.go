package app

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner"
)

// configExamples are the config files under testdata/config, by name.
func configExamples(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob("../testdata/config/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no config examples under testdata/config: %v", err)
	}
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = string(b)
	}
	return out
}

// TestReadmeConfigExamplesAreTestdata: every fenced yaml block of the
// README is one of testdata/config/*.yaml, byte for byte, and every file
// there is shown in the README, so the examples cannot drift from what the
// tests load.
func TestReadmeConfigExamplesAreTestdata(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files := configExamples(t)
	var contents []string
	for _, c := range files {
		contents = append(contents, c)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	shown := map[string]bool{}
	for i, b := range blocks {
		if !slices.Contains(contents, b[1]) {
			t.Errorf("README yaml block %d is not a file under testdata/config (copy it there, or fix the README):\n%s", i+1, b[1])
		}
		shown[b[1]] = true
	}
	for p, c := range files {
		if !shown[c] {
			t.Errorf("%s is not shown in the README", p)
		}
	}
}

// TestConfigExamplesLoad loads every example with the loader serve uses
// (config.Load): none has an unknown or mistyped key.
func TestConfigExamplesLoad(t *testing.T) {
	for p := range configExamples(t) {
		if _, err := config.Load(p, []string{}, map[string]any{"data_dir": t.TempDir()}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestReadmeConfigRunsBackup is issue 15's "Done when": the README's
// example starts a node and its backup runs. Only what must point into the
// test's folders is overridden, as --data would (data_dir, and the backup's
// source and granted local folders, /home/team/shared and
// /srv/wasmdrive/restore in the README) and the NATS listener (a free
// port); accounts, plugins.dirs, enabled and grants are the README's.
// Before the fix, the plugin never loaded (plugins.dirs replaced the
// built-ins) and, loaded, its grant lacked the drive and kv.
func TestReadmeConfigRunsBackup(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "shared")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "report.txt"), []byte("quarterly"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("../testdata/config/readme.yaml", []string{}, map[string]any{
		"data_dir":                             dir,
		"node_name":                            "readme",
		"nats.listen":                          "127.0.0.1:-1",
		"plugins.enabled.backup.config.source": src,
		"plugins.enabled.backup.grants.local.read":  []any{src},
		"plugins.enabled.backup.grants.local.write": []any{filepath.Join(dir, "restore")},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, cfg, time.Second)
	ctx := context.Background()
	rec, err := n.Service.Trigger(ctx, "backup", "backup", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var done *runner.RunRecord
	deadline := time.Now().Add(90 * time.Second)
	for done == nil || !slices.Contains([]string{runner.StatusSucceeded, runner.StatusFailed, runner.StatusDead}, done.Status) {
		if time.Now().After(deadline) {
			t.Fatalf("backup run %s did not finish: %+v", rec.ID, done)
		}
		time.Sleep(50 * time.Millisecond)
		if runs, err := n.Service.ListRuns(ctx, runner.RunFilter{Plugin: "backup"}); err == nil {
			for _, r := range runs {
				if r.ID == rec.ID {
					done = r
				}
			}
		}
	}
	if done.Status != runner.StatusSucceeded {
		t.Fatalf("backup run %s: %s: %s", done.ID, done.Status, done.Error)
	}
	d, err := n.Drives.Get("finance")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetByPath(ctx, "/Backup/shared/report.txt"); err != nil {
		t.Fatalf("the README's backup did not reach the finance drive: %v", err)
	}
}
