package e2e

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

func TestBackupEncrypted(t *testing.T) {
	src, tmp := t.TempDir(), t.TempDir()
	n := sampleTree(t, src)
	key := "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/Backup/enc",
		map[string]any{"encryption_key": key, "temp_dir": tmp})})
	var s backupSummary
	err := e.Call("backup", "backup", nil, &s)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "ok" || s.Uploaded != n {
		t.Fatalf("encrypted backup: %+v", s)
	}
	// The drive holds neither plaintext names nor plaintext bytes.
	ctx := context.Background()
	for _, p := range DriveNames(t, e.Drive, "/Backup/enc") {
		for _, plain := range []string{"docs", "report", "a.txt", "photos"} {
			if strings.Contains(p, plain) {
				t.Fatalf("drive path %q shows plaintext name %q", p, plain)
			}
		}
		f, err := e.Drive.GetByPath(ctx, "/Backup/enc"+p)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := e.Drive.Download(ctx, f.FileID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if strings.Contains(string(b), "hello") || strings.Contains(string(b), "package main") {
			t.Fatalf("drive file %s holds plaintext", p)
		}
	}
	dest := t.TempDir()
	var r restoreSummary
	e.MustCall("backup", "restore", map[string]any{"dest": dest}, &r)
	if r.Status != "ok" || r.Files != n {
		t.Fatalf("encrypted restore: %+v", r)
	}
	SameTree(t, src, dest)
	// A restore of the drive folder itself (no manifest) decrypts names too.
	dest2 := t.TempDir()
	e.MustCall("backup", "restore", map[string]any{"dest": dest2, "from": "/Backup/enc"}, &r)
	SameTree(t, src, dest2)
	// Another key is refused before anything is touched.
	bad := map[string]any{"encryption_key": "base64:" + strings.Repeat("A", 43) + "=", "dest": t.TempDir()}
	if err := e.Call("backup", "restore", bad, nil); err == nil || !strings.Contains(err.Error(), "same key") {
		t.Fatalf("restore with another key: %v", err)
	}
	var v verifySummary
	e.MustCall("backup", "verify", nil, &v)
	if v.Status != "ok" || v.OK != n {
		t.Fatalf("verify: %+v", v)
	}
	_ = drive.RootID
	_ = filepath.Join
}
