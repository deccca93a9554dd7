package local

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// newDriveWith opens a drive in a new folder holding one file per content.
func newDriveWith(t *testing.T, contents ...string) (string, *Drive) {
	t.Helper()
	dir := t.TempDir()
	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range contents {
		if _, err := d.Upload(context.Background(), drive.UploadRequest{ParentFileID: drive.RootID, Name: fmt.Sprintf("f%d", i),
			Size: int64(len(c)), Content: strings.NewReader(c)}); err != nil {
			t.Fatal(err)
		}
	}
	return dir, d
}

// orphan writes a blob file no metadata names and returns its path.
func orphan(t *testing.T, dir, content string) string {
	t.Helper()
	b := &blobStore{root: filepath.Join(dir, "blobs")}
	p := b.path(fmt.Sprintf("%X", sha1.Sum([]byte(content))))
	os.MkdirAll(filepath.Dir(p), 0o700)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestOpenBlobGC: blob cleanup at open moves orphans into quarantine (never
// deletes them at once), purges the quarantine after the retention, skips
// read-only opens, and never runs when meta.db is missing, empty, names no
// file or is of another generation than the blobs.
func TestOpenBlobGC(t *testing.T) {
	cases := []struct {
		name     string
		damage   func(t *testing.T, dir string)
		opts     Options
		wantErr  error
		wantGone bool // the orphan left blobs/ (into quarantine)
	}{
		{name: "healthy", wantGone: true},
		{name: "read-only", opts: Options{ReadOnly: true}},
		{name: "meta missing", damage: func(t *testing.T, dir string) { removeMeta(dir) }, wantErr: ErrNeedsFsck},
		{name: "meta empty", damage: func(t *testing.T, dir string) {
			removeMeta(dir)
			os.WriteFile(filepath.Join(dir, "meta.db"), nil, 0o600)
		}, wantErr: ErrNeedsFsck},
		{name: "meta names no file", damage: func(t *testing.T, dir string) {
			removeMeta(dir)
			d, err := Open(t.TempDir(), Options{}) // a valid, empty database
			if err != nil {
				t.Fatal(err)
			}
			d.Close()
			copyFile(t, filepath.Join(d.dir, "meta.db"), filepath.Join(dir, "meta.db"))
		}, wantErr: ErrNeedsFsck},
		{name: "meta of another drive", damage: func(t *testing.T, dir string) {
			other, d := newDriveWith(t, "other content")
			d.Close()
			removeMeta(dir)
			copyFile(t, filepath.Join(other, "meta.db"), filepath.Join(dir, "meta.db"))
		}},
		{name: "before generations", damage: func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, generationFile))
			d, _ := Open(dir, Options{ReadOnly: true})
			d.w.Exec(`DELETE FROM kv WHERE k = 'generation'`)
			d.Close()
		}, wantGone: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, d := newDriveWith(t, "kept one", "kept two")
			d.Close()
			kept := blobPaths(t, dir)
			stray := orphan(t, dir, "an orphan")
			if c.damage != nil {
				c.damage(t, dir)
			}
			d, err := Open(dir, c.opts)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) || !strings.Contains(err.Error(), "wasmdrive drive fsck") {
					t.Fatalf("open: %v, want %v naming drive fsck", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else {
				d.Close()
			}
			for _, p := range kept {
				if !exists(p) {
					t.Fatalf("a blob was removed: %s", p)
				}
			}
			q := filepath.Join(dir, "quarantine", filepath.Base(stray))
			if gone := !exists(stray); gone != c.wantGone || gone && !exists(q) {
				t.Fatalf("orphan left blobs/: %v (want %v); in quarantine: %v", gone, c.wantGone, exists(q))
			}
		})
	}
}

// TestQuarantineRetention: a quarantined blob is removed once older than
// the retention, not before.
func TestQuarantineRetention(t *testing.T) {
	dir, d := newDriveWith(t, "kept")
	d.Close()
	stray := orphan(t, dir, "an orphan")
	q := filepath.Join(dir, "quarantine", filepath.Base(stray))
	for i, want := range []bool{true, true, false} {
		if i == 2 {
			old := time.Now().Add(-2 * time.Hour)
			os.Chtimes(q, old, old)
		}
		d, err := Open(dir, Options{QuarantineRetention: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		if exists(q) != want {
			t.Fatalf("open %d: quarantined blob exists = %v, want %v", i, !want, want)
		}
	}
}

// TestFsckRebuildsDamagedMeta: a meta.db that is not a database is moved
// aside; the files come back from the metadata snapshot under their
// names, or without one into /lost+found by hash.
func TestFsckRebuildsDamagedMeta(t *testing.T) {
	ctx := context.Background()
	for _, snap := range []bool{true, false} {
		dir, d := newDriveWith(t, "first file", "second file")
		d.Close()
		st, err := os.Stat(filepath.Join(dir, snapshotFile))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("metadata snapshot after close: %v, %v", st, err)
		}
		if !snap {
			os.Remove(filepath.Join(dir, snapshotFile))
		}
		removeMeta(dir)
		os.WriteFile(filepath.Join(dir, "meta.db"), bytes.Repeat([]byte("garbage!"), 1024), 0o600)
		rep, err := Fsck(ctx, dir, FsckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"/f0": "first file", "/f1": "second file"}
		if !snap {
			want = map[string]string{}
			for _, f := range rep.Recovered {
				want[f.Path] = map[string]string{fmt.Sprintf("%X", sha1.Sum([]byte("first file"))): "first file",
					fmt.Sprintf("%X", sha1.Sum([]byte("second file"))): "second file"}[f.SHA1]
			}
		}
		if rep.Database != "damaged" || !exists(rep.DamagedDatabase) || (rep.Snapshot != nil) != snap || len(want) != 2 || !rep.Clean() {
			t.Fatalf("snapshot %v: report %+v", snap, rep)
		}
		if d, err = Open(dir, Options{}); err != nil {
			t.Fatal(err)
		}
		for p, content := range want {
			got, err := d.GetByPath(ctx, p)
			if err != nil {
				t.Fatalf("snapshot %v: %s: %v", snap, p, err)
			}
			if b, err := readAll(d, got.FileID); err != nil || string(b) != content {
				t.Fatalf("snapshot %v: %s holds %q, %v", snap, p, b, err)
			}
		}
		d.Close()
	}
}

func removeMeta(dir string) {
	for _, sfx := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(dir, "meta.db"+sfx))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// blobPaths lists the blob files of the drive in dir.
func blobPaths(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(filepath.Join(dir, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if len(out) == 0 {
		t.Fatal("no blobs")
	}
	return out
}

// TestSnapshotFollowsChanges: the metadata snapshot is refreshed at close
// when the metadata changed, and left alone when it did not.
func TestSnapshotFollowsChanges(t *testing.T) {
	ctx := context.Background()
	dir, d := newDriveWith(t, "one")
	d.Close()
	p := filepath.Join(dir, snapshotFile)
	st1, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	files := func() int {
		db, err := openDB(p, false)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM files WHERE type = 'file'`).Scan(&n)
		return n
	}
	if n := files(); n != 1 {
		t.Fatalf("snapshot has %d files, want 1", n)
	}
	st1, _ = os.Stat(p)
	d, _ = Open(dir, Options{ReadOnly: true})
	d.Close()
	if st2, _ := os.Stat(p); !st2.ModTime().Equal(st1.ModTime()) {
		t.Fatal("a read-only open rewrote the snapshot")
	}
	d, _ = Open(dir, Options{})
	if _, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "two", Size: 3, Content: strings.NewReader("two")}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if n := files(); n != 2 {
		t.Fatalf("snapshot after an upload has %d files, want 2", n)
	}
}

// TestFsckHealthyDrive: on a healthy drive fsck brings a quarantined
// orphan back (into /lost+found), lists a blob whose bytes no longer match
// its hash with the file that names it, and quarantines it as bad.
func TestFsckHealthyDrive(t *testing.T) {
	ctx := context.Background()
	dir, d := newDriveWith(t, "good content", "soon damaged")
	bad := d.blobs.path(fmt.Sprintf("%X", sha1.Sum([]byte("soon damaged"))))
	d.Close()
	orphan(t, dir, "an orphan")
	if d, err := Open(dir, Options{}); err != nil { // quarantines the orphan
		t.Fatal(err)
	} else {
		d.Close()
	}
	os.WriteFile(bad, []byte("SOON DAMAGED"), 0o600)
	rep, err := Fsck(ctx, dir, FsckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Database != "ok" || rep.Restored != 1 || len(rep.Recovered) != 1 || len(rep.Damaged) != 1 ||
		rep.Damaged[0].Files[0] != "/f1" || exists(bad) || !exists(rep.Damaged[0].Blob) {
		t.Fatalf("report %+v", rep)
	}
	d, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, err := d.GetByPath(ctx, rep.Recovered[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := readAll(d, f.FileID); err != nil || string(b) != "an orphan" {
		t.Fatalf("recovered orphan: %q, %v", b, err)
	}
}

// TestBlobGCWhileShared: while another process has the drive open, a
// fresh blob no metadata names may be its upload about to commit: open
// leaves it; an old one is quarantined.
func TestBlobGCWhileShared(t *testing.T) {
	dir, d := newDriveWith(t, "kept")
	d.Close()
	other, err := holdMarker(filepath.Join(dir, fmt.Sprintf("open-%d-other", os.Getpid()))) // a live Drive
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	stray := orphan(t, dir, "being installed")
	for _, c := range []struct {
		age  time.Duration
		kept bool
	}{{0, true}, {2 * orphanGrace, false}} {
		old := time.Now().Add(-c.age)
		os.Chtimes(stray, old, old)
		d, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		if exists(stray) != c.kept {
			t.Fatalf("orphan %v old: kept = %v, want %v", c.age, !c.kept, c.kept)
		}
	}
}
