package e2e

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// corruptingDrive serves wrong bytes from Download once corrupt is set:
// the same length with the first byte flipped, as a damaged blob or a
// faulty transfer would. Use it through drive.Wrap so it keeps the
// optional features of the drive it wraps.
type corruptingDrive struct {
	drive.Drive
	corrupt atomic.Bool
}

func (d *corruptingDrive) Download(ctx context.Context, fileID string, offset, length int64) (io.ReadCloser, error) {
	rc, err := d.Drive.Download(ctx, fileID, offset, length)
	if err != nil || !d.corrupt.Load() {
		return rc, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	if len(b) > 0 {
		b[0] ^= 0xff
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// TestRestoreKeepsGoodLocalCopies restores over good local files while
// the drive serves corrupt content (issue 12: a good file became 10 bytes
// of wrong data). Every local file must keep its bytes, no temp file may
// be left beside them, and the restore must report each file as failed.
func TestRestoreKeepsGoodLocalCopies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra map[string]any
		ok    int // files that still restore: the plain empty file has no byte to corrupt
	}{
		{"plain", nil, 1},
		{"encrypted", map[string]any{"encryption_key": "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := t.TempDir()
			n := sampleTree(t, src)
			ld, err := local.Open(t.TempDir(), local.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ld.Close() })
			d := &corruptingDrive{Drive: ld}
			wd := drive.Wrap(d, ld)
			extra := map[string]any{"retries": 1}
			for k, v := range tc.extra {
				extra[k] = v
			}
			if tc.extra != nil {
				extra["temp_dir"] = t.TempDir()
			}
			e := NewTestEnv(t, wd, "", map[string]map[string]any{"backup": backupConfig(src, "/Backup/r", extra)})
			var s backupSummary
			e.MustCall("backup", "backup", nil, &s)
			if s.Status != "ok" || s.Files != n {
				t.Fatalf("backup: %+v", s)
			}
			dest := t.TempDir()
			copyTree(t, src, dest)
			before := TreeSums(t, dest)

			d.corrupt.Store(true)
			var r restoreSummary
			e.MustCall("backup", "restore", map[string]any{"dest": dest}, &r)
			if after := TreeSums(t, dest); !equalSums(before, after) {
				t.Fatalf("restore from a corrupt drive changed local files:\nbefore %v\nafter  %v", before, after)
			}
			if r.Status != "partial" || len(r.Errors) != n-tc.ok || r.Files != tc.ok {
				t.Fatalf("restore summary = %+v, want partial with %d failed files", r, n-tc.ok)
			}
		})
	}
}

func equalSums(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
