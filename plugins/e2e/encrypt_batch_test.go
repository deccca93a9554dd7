package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEncryptedBatchesLeaveNoTemp backs up an encrypted tree in parallel
// batches (the plugin seals a batch into temp_dir, the host uploads the
// ciphertexts) and checks that no sealed copy is left behind, also after a
// rerun that keeps versions of changed files, and that it restores.
func TestEncryptedBatchesLeaveNoTemp(t *testing.T) {
	src, tmp := t.TempDir(), t.TempDir()
	n := sampleTree(t, src)
	key := "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/Backup/encb",
		map[string]any{"encryption_key": key, "temp_dir": tmp, "parallel": 3, "keep_versions": true})})
	noTemp := func() {
		t.Helper()
		left, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Fatalf("temp_dir holds %d leftover files, first %s", len(left), left[0].Name())
		}
	}
	var s backupSummary
	e.MustCall("backup", "backup", nil, &s)
	if s.Status != "ok" || s.Uploaded != n {
		t.Fatalf("encrypted backup: %+v", s)
	}
	noTemp()
	WriteFile(t, filepath.Join(src, "a.txt"), []byte("hello again"))
	WriteFile(t, filepath.Join(src, "docs", "new.txt"), []byte("new"))
	e.MustCall("backup", "backup", nil, &s)
	if s.Status != "ok" || s.Uploaded != 2 || s.Versioned != 1 {
		t.Fatalf("encrypted rerun: %+v", s)
	}
	noTemp()
	dest := t.TempDir()
	var r restoreSummary
	e.MustCall("backup", "restore", map[string]any{"dest": dest}, &r)
	if r.Status != "ok" {
		t.Fatalf("encrypted restore: %+v", r)
	}
	SameTree(t, src, dest)
}
