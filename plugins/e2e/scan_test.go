package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// scanSummary adds the phases to backupSummary: a run the host scan finds
// quiet has no "load" phase (it never reads the manifest).
type scanSummary struct {
	backupSummary
	Scanned int              `json:"scanned"`
	Phases  map[string]int64 `json:"phases_ms"`
}

// TestBackupHostScan runs the backup through no-change, changed and
// deletion reruns and checks that the host scan's delta, rebuilt against
// the manifest, plans what a full listing would: excluded folders are not
// entered, a quiet run reads no manifest, and a deletion waiting in the
// manifest is carried out by a run in which nothing changed locally.
func TestBackupHostScan(t *testing.T) {
	src := t.TempDir()
	for p, c := range map[string]string{"a.txt": "a", "b/c.txt": "c", "b/d.txt": "d", "junk.tmp": "t",
		"node_modules/x/y.js": "y", "big.iso": "0123456789abcdef0123"} {
		WriteFile(t, filepath.Join(src, p), []byte(c))
	}
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/B", map[string]any{
		"exclude": []string{"*.tmp", "node_modules"}, "max_file_size": 10, "deletion": "trash", "trash_after_days": 0})})
	run := func(name string) scanSummary {
		t.Helper()
		var s scanSummary
		e.MustCall("backup", "backup", nil, &s)
		if s.Status != "ok" {
			t.Fatalf("%s: %+v", name, s)
		}
		return s
	}
	s := run("first")
	if s.Uploaded != 3 || s.Files != 3 || len(s.Skipped) != 1 || s.Skipped[0].Path != "big.iso" {
		t.Fatalf("first run: %+v", s)
	}
	if _, err := e.Drive.GetByPath(t.Context(), "/B/node_modules"); err == nil {
		t.Error("the excluded folder node_modules reached the drive")
	}
	s = run("quiet")
	if _, loaded := s.Phases["load"]; loaded || s.Unchanged != 3 || s.Uploaded != 0 || s.Files != 3 {
		t.Errorf("no-change rerun: %+v (it must not load the manifest)", s)
	}

	WriteFile(t, filepath.Join(src, "b/c.txt"), []byte("changed"))
	WriteFile(t, filepath.Join(src, "new.txt"), []byte("n"))
	if err := os.Remove(filepath.Join(src, "b/d.txt")); err != nil {
		t.Fatal(err)
	}
	s = run("changed")
	if s.Uploaded != 2 || s.Unchanged != 1 || s.Marked != 1 || s.Files != 4 {
		t.Errorf("rerun after changes: %+v", s)
	}
	// Nothing changed locally, but b/d.txt is due for the trash (0 days).
	s = run("due")
	if s.Removed != 1 || s.Files != 3 {
		t.Errorf("rerun with a deletion due: %+v", s)
	}
	if _, err := e.Drive.GetByPath(t.Context(), "/B/b/d.txt"); err == nil {
		t.Error("b/d.txt is still on the drive")
	}
	s = run("quiet again")
	if _, loaded := s.Phases["load"]; loaded || s.Unchanged != 3 {
		t.Errorf("final rerun: %+v", s)
	}
}
