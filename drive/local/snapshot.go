package local

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// A healthy drive keeps a copy of its metadata beside the blobs,
// meta.snapshot.db (SQLite VACUUM INTO), refreshed at open and close when
// older than SnapshotEvery. When meta.db is lost or damaged, Fsck starts
// from it, so files come back under their names and folders; only content
// stored after the snapshot goes to LostAndFound.

// snapshotFile is the metadata snapshot in the data folder.
const snapshotFile = "meta.snapshot.db"

// SnapshotEvery is how old the metadata snapshot may get before a
// writable open or close of a healthy drive refreshes it.
const SnapshotEvery = time.Hour

// snapshot refreshes the metadata snapshot if it is older than
// SnapshotEvery. Failures are logged: the snapshot is a spare.
func (d *Drive) snapshot(ctx context.Context) {
	p := filepath.Join(d.dir, snapshotFile)
	if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) < SnapshotEvery {
		return
	}
	if ok, err := hasFiles(ctx, d.r); err != nil || !ok {
		return // nothing worth keeping (and an empty drive must not replace a good snapshot)
	}
	if err := d.writeSnapshot(ctx, p); err != nil {
		d.log.Warn("local drive: refresh the metadata snapshot", "path", p, "err", err)
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

// restoreSnapshot copies a healthy metadata snapshot to meta.db and
// returns its time (zero: no usable snapshot).
func restoreSnapshot(dir string) (time.Time, error) {
	src := filepath.Join(dir, snapshotFile)
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
