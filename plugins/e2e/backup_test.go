package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// backupSummary mirrors the fields of the plugin's summary the tests check.
type backupSummary struct {
	Status    string `json:"status"`
	Files     int    `json:"files"`
	Uploaded  int    `json:"uploaded"`
	Rapid     int    `json:"rapid"`
	Unchanged int    `json:"unchanged"`
	Renamed   int    `json:"renamed"`
	Removed   int    `json:"removed"`
	Marked    int    `json:"marked_deleted"`
	Versioned int    `json:"versioned"`
	Retained  int    `json:"retained"`
	Skipped   []struct {
		Path, Reason string
	} `json:"skipped"`
	Errors []struct {
		Path, Error string
	} `json:"errors"`
}

type restoreSummary struct {
	Status   string `json:"status"`
	Files    int    `json:"files"`
	Verified int    `json:"verified"`
	Errors   []struct {
		Path, Error string
	} `json:"errors"`
}

type verifySummary struct {
	Status      string `json:"status"`
	Checked     int    `json:"checked"`
	OK          int    `json:"ok"`
	Differences []struct {
		Path, Error string
	} `json:"differences"`
}

// sampleTree writes a small mixed tree and returns the file count.
func sampleTree(t *testing.T, root string) int {
	files := map[string][]byte{
		"a.txt":                  []byte("hello"),
		"empty.bin":              nil,
		"docs/report.pdf":        Content(1, 300<<10),
		"docs/notes/日本語.md":      Content(2, 1000),
		"docs/notes/e\u0301.txt": Content(3, 10),
		"photos/2023/img1.jpg":   Content(4, 64<<10),
		"photos/2023/img2.jpg":   Content(5, 64<<10+1),
		"src/main.go":            []byte("package main\n"),
	}
	for p, b := range files {
		WriteFile(t, filepath.Join(root, p), b)
	}
	return len(files)
}

func backupConfig(src, target string, extra map[string]any) map[string]any {
	c := map[string]any{"source": src, "target": target}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func TestBackupIncrementalRestoreVerify(t *testing.T) {
	src := t.TempDir()
	n := sampleTree(t, src)
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/Backup/t", nil)})

	var s1 backupSummary
	e.MustCall("backup", "backup", nil, &s1)
	if s1.Status != "ok" || s1.Uploaded != n || s1.Files != n {
		t.Fatalf("first backup: %+v", s1)
	}
	var s2 backupSummary
	e.MustCall("backup", "backup", nil, &s2)
	if s2.Uploaded != 0 || s2.Unchanged != n {
		t.Fatalf("no-change rerun: %+v", s2)
	}
	// modify, add, delete, rename
	WriteFile(t, filepath.Join(src, "a.txt"), []byte("hello, changed"))
	WriteFile(t, filepath.Join(src, "new/dir/added.txt"), Content(9, 5000))
	if err := os.Remove(filepath.Join(src, "src/main.go")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(src, "docs/report.pdf"), filepath.Join(src, "docs/report-final.pdf")); err != nil {
		t.Fatal(err)
	}
	var s3 backupSummary
	e.MustCall("backup", "backup", nil, &s3)
	if s3.Uploaded != 2 || s3.Renamed != 1 || s3.Marked != 1 || s3.Unchanged != n-3 {
		t.Fatalf("incremental backup: %+v", s3)
	}
	dest := t.TempDir()
	var r restoreSummary
	e.MustCall("backup", "restore", map[string]any{"dest": dest}, &r)
	if r.Status != "ok" || r.Files != n || r.Verified != n {
		t.Fatalf("restore: %+v", r)
	}
	SameTree(t, src, dest)
	var v verifySummary
	e.MustCall("backup", "verify", map[string]any{}, &v)
	if v.Status != "ok" || v.Checked != n+1 || v.OK != v.Checked { // the deleted file is kept (deletion: keep)
		t.Fatalf("verify: %+v", v)
	}
	var vd verifySummary
	e.MustCall("backup", "verify", map[string]any{"deep": true, "sample": 3, "temp_dir": t.TempDir()}, &vd)
	if vd.Status != "ok" || vd.Checked != 3 {
		t.Fatalf("deep verify: %+v", vd)
	}
	if len(e.Emit.Events("backup.completed")) != 3 {
		t.Fatalf("want 3 backup.completed events, got %d", len(e.Emit.Events("backup.completed")))
	}
}

func TestBackupVersionsAndPointInTime(t *testing.T) {
	src := t.TempDir()
	n := sampleTree(t, src)
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/Backup/v",
		map[string]any{"keep_versions": true, "deletion": "mirror"})})
	e.MustCall("backup", "backup", nil, nil)
	before := t.TempDir()
	copyTree(t, src, before)
	t0 := time.Now()
	time.Sleep(20 * time.Millisecond)
	WriteFile(t, filepath.Join(src, "a.txt"), []byte("version two"))
	os.Remove(filepath.Join(src, "empty.bin"))
	var s backupSummary
	e.MustCall("backup", "backup", nil, &s)
	if s.Versioned != 2 || s.Removed != 1 || s.Uploaded != 1 {
		t.Fatalf("versioned backup: %+v", s)
	}
	latest := t.TempDir()
	e.MustCall("backup", "restore", map[string]any{"dest": latest}, nil)
	SameTree(t, src, latest)
	// Restoring the drive folder itself (no manifest) skips .versions and,
	// with deletion: mirror, gives the current tree too.
	fromDrive := t.TempDir()
	e.MustCall("backup", "restore", map[string]any{"dest": fromDrive, "from": "/Backup/v"}, nil)
	SameTree(t, src, fromDrive)
	old := t.TempDir()
	var r restoreSummary
	e.MustCall("backup", "restore", map[string]any{"dest": old, "at": t0.UTC().Format(time.RFC3339Nano)}, &r)
	if r.Files != n {
		t.Fatalf("point-in-time restore: %+v", r)
	}
	SameTree(t, before, old)
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	for rel := range TreeSums(t, from) {
		b, err := os.ReadFile(filepath.Join(from, rel))
		if err != nil {
			t.Fatal(err)
		}
		WriteFile(t, filepath.Join(to, rel), b)
		st, _ := os.Stat(filepath.Join(from, rel))
		os.Chtimes(filepath.Join(to, rel), st.ModTime(), st.ModTime())
	}
}
