package local

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// A healthy drive keeps a copy of its metadata beside the blobs,
// meta.snapshot.db (SQLite VACUUM INTO), refreshed when the metadata
// changed since: at open, at close and every SnapshotEvery while open
// (metadata of SnapshotBigBytes or more at most every SnapshotEvery). When
// meta.db is lost or damaged, Fsck starts from it, so files come back
// under their names and folders; only content stored after the snapshot
// goes to LostAndFound.

// snapshotFile is the metadata snapshot in the data folder.
const snapshotFile = "meta.snapshot.db"

// SnapshotEvery is the period of snapshot refreshes while a drive is
// open, and the least age of the snapshot of big metadata before a
// refresh.
const SnapshotEvery = time.Hour

// SnapshotBigBytes is the metadata size from which snapshots are taken
// at most every SnapshotEvery.
const SnapshotBigBytes = 16 << 20

// snapshot refreshes the metadata snapshot if the metadata changed since
// it was taken. Failures are logged: the snapshot is a spare.
func (d *Drive) snapshot(ctx context.Context) {
	d.snapMu.Lock()
	defer d.snapMu.Unlock()
	p := filepath.Join(d.dir, snapshotFile)
	if st, err := os.Stat(p); err == nil {
		changed, size := d.metaChangedSince(st.ModTime())
		if !changed || size >= SnapshotBigBytes && time.Since(st.ModTime()) < SnapshotEvery {
			return
		}
	}
	if ok, err := hasFiles(ctx, d.r); err != nil || !ok {
		return // nothing worth keeping (and an empty drive must not replace a good snapshot)
	}
	if err := d.writeSnapshot(ctx, p); err != nil {
		d.log.Warn("local drive: refresh the metadata snapshot", "path", p, "err", err)
	}
}

// metaChangedSince reports whether meta.db or its write-ahead log was
// written after t, and the size of the two.
func (d *Drive) metaChangedSince(t time.Time) (bool, int64) {
	changed, size := false, int64(0)
	for _, sfx := range []string{"", "-wal"} {
		if st, err := os.Stat(filepath.Join(d.dir, "meta.db"+sfx)); err == nil {
			changed = changed || st.ModTime().After(t)
			size += st.Size()
		}
	}
	return changed, size
}

// snapshotLoop refreshes the snapshot every SnapshotEvery until stop.
func (d *Drive) snapshotLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(SnapshotEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			d.snapshot(context.Background())
		}
	}
}

func (d *Drive) writeSnapshot(ctx context.Context, p string) error {
	tmp := p + ".tmp"
	os.Remove(tmp)
	if _, err := d.w.ExecContext(ctx, "VACUUM INTO '"+strings.ReplaceAll(tmp, "'", "''")+"'"); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("vacuum into %s: %w", tmp, err)
	}
	if err := private.Tighten(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if !d.opts.NoSync {
		if err := syncFile(tmp); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("install %s: %w", p, err)
	}
	return nil
}

// snapshotView opens a copy of dir's metadata snapshot for reading (a
// dry-run fsck), or returns nil when there is no usable snapshot.
func snapshotView(dir string, log *slog.Logger) (*Drive, time.Time, func(), error) {
	tmp, err := os.MkdirTemp("", "wasmdrive-fsck-")
	if err != nil {
		return nil, time.Time{}, nil, fmt.Errorf("local drive fsck: %w", err)
	}
	t, err := copySnapshot(filepath.Join(dir, snapshotFile), tmp)
	if err != nil || t.IsZero() {
		os.RemoveAll(tmp)
		return nil, time.Time{}, nil, err
	}
	db, err := openDB(filepath.Join(tmp, "meta.db"), false)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, time.Time{}, nil, err
	}
	d := &Drive{dir: dir, r: db, log: log, blobs: &blobStore{root: filepath.Join(dir, "blobs")}}
	return d, t, func() { db.Close(); os.RemoveAll(tmp) }, nil
}

// restoreSnapshot copies a healthy metadata snapshot to meta.db and
// returns its time (zero: no usable snapshot).
func restoreSnapshot(dir string) (time.Time, error) {
	return copySnapshot(filepath.Join(dir, snapshotFile), dir)
}

// copySnapshot copies the snapshot at src, if healthy, to dir/meta.db.
func copySnapshot(src, dir string) (time.Time, error) {
	st, err := os.Stat(src)
	if err != nil || !databaseHealthy(src) {
		return time.Time{}, nil
	}
	in, err := os.Open(src)
	if err != nil {
		return time.Time{}, nil
	}
	defer in.Close()
	dst := filepath.Join(dir, "meta.db")
	for _, sfx := range []string{"-wal", "-shm"} {
		os.Remove(dst + sfx)
	}
	out, err := private.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return time.Time{}, fmt.Errorf("local drive fsck: restore the metadata snapshot: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return time.Time{}, fmt.Errorf("local drive fsck: restore the metadata snapshot: %w", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return time.Time{}, fmt.Errorf("local drive fsck: restore the metadata snapshot: %w", err)
	}
	if err := out.Close(); err != nil {
		return time.Time{}, fmt.Errorf("local drive fsck: restore the metadata snapshot: %w", err)
	}
	return st.ModTime(), nil
}
