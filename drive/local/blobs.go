package local

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// blobStore keeps content files named by their upper-case SHA-1 under
// root/ab/cd/<sha1>.
type blobStore struct {
	root   string
	noSync bool
}

// path is where the blob with hash sha1 lives.
func (b *blobStore) path(sha1 string) string {
	s := strings.ToLower(sha1)
	return filepath.Join(b.root, s[0:2], s[2:4], s)
}

// install makes the (already fsynced) file at src the blob sha1 by a hard
// link, leaving src in place for the caller to remove once the metadata
// naming the blob has committed. An existing blob is kept if it holds the
// content (same size and SHA-1), else replaced by src.
func (b *blobStore) install(src, sha1 string) error {
	dst := b.path(sha1)
	if st, err := os.Stat(dst); err == nil {
		if ss, err := os.Stat(src); err == nil && ss.Size() == st.Size() {
			if sum, _, err := hashPath(dst); err == nil && sum == strings.ToUpper(sha1) {
				return nil
			}
		}
		return b.replace(src, dst, sha1)
	}
	dir := filepath.Dir(dst)
	if err := private.MkdirAll(dir); err != nil {
		return fmt.Errorf("local drive: create blob folder: %w", err)
	}
	if err := os.Link(src, dst); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("local drive: install blob %s: %w", sha1, err)
	}
	if !b.noSync {
		return syncDir(dir)
	}
	return nil
}

// replace puts src in place of a damaged blob dst (a link beside it,
// renamed over it: readers of the old file keep reading it).
func (b *blobStore) replace(src, dst, sha1 string) error {
	tmp := dst + ".new-" + randomToken(4)
	if err := os.Link(src, tmp); err != nil {
		return fmt.Errorf("local drive: replace damaged blob %s: %w", sha1, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("local drive: replace damaged blob %s: %w", sha1, err)
	}
	if !b.noSync {
		return syncDir(filepath.Dir(dst))
	}
	return nil
}

// syncDir fsyncs a folder so a rename into it is durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("local drive: open %s to sync: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("local drive: sync %s: %w", dir, err)
	}
	return nil
}

// syncFile fsyncs the file at p.
func syncFile(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("local drive: open %s to sync: %w", p, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("local drive: sync %s: %w", p, err)
	}
	return nil
}

// syncWAL makes committed transactions durable now. The database runs with
// synchronous=NORMAL (commits survive a process crash, and are fsynced at
// checkpoints); a finished upload, and the removal of blobs whose files are
// about to be unlinked, must also survive a power loss.
func (d *Drive) syncWAL() {
	if d.opts.NoSync {
		return
	}
	if err := syncFile(filepath.Join(d.dir, "meta.db-wal")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.log.Warn("local drive: sync write-ahead log", "err", err)
	}
}

// open opens the blob sha1 for reading.
func (b *blobStore) open(sha1 string) (*os.File, error) {
	f, err := os.Open(b.path(sha1))
	if err != nil {
		return nil, fmt.Errorf("local drive: open blob %s: %w", sha1, err)
	}
	return f, nil
}

// blobRow is a blob's metadata.
type blobRow struct {
	sha1, preHash string
	size          int64
}

// insertBlob records a blob (idempotent).
func insertBlob(ctx context.Context, tx *txn, b blobRow) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO blobs(sha1, size, pre_hash) VALUES(?,?,?)`, b.sha1, b.size, b.preHash)
	if err != nil {
		return fmt.Errorf("local drive: record blob: %w", err)
	}
	return nil
}

// findBlob returns the blob with this hash and size, if stored: recorded,
// and its file present with that size (dedup must not link to content
// that is gone or damaged; the next upload then stores it again).
func (d *Drive) findBlob(ctx context.Context, q querier, sha1 string, size int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM blobs WHERE sha1 = ? AND size = ?`, sha1, size).Scan(&n)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("local drive: look up blob: %w", err)
	}
	if !d.blobs.intact(sha1, size) {
		d.log.Warn("local drive: a recorded blob is missing or of the wrong size; storing the uploaded content again", "sha1", sha1)
		return false, nil
	}
	return true, nil
}

// gcBlobs forgets blob rows no file names and moves their files, and blob
// files no row names (a crash between install and commit), into
// quarantine; it then removes quarantined blobs older than the retention.
// Open runs it only when the metadata and the blobs are of one generation
// and the metadata names files (checkGeneration). While another process
// has the drive open, its uploads may be between installing a blob and
// committing, so only blob files older than orphanGrace are moved and rows
// are left alone.
func (d *Drive) gcBlobs(ctx context.Context) error {
	d.blobMu.Lock()
	defer d.blobMu.Unlock()
	shared := len(liveMarkers(d.dir)) > 0 // our own marker is written after recover
	var dead []string
	err := d.withTx(ctx, func(tx *txn) error {
		if shared {
			return nil
		}
		rows, err := tx.QueryContext(ctx, blobsUnreferenced)
		if err != nil {
			return fmt.Errorf("local drive: find unreferenced blobs: %w", err)
		}
		dead, err = scanStrings(rows)
		if err != nil {
			return err
		}
		for _, s := range dead {
			if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE sha1 = ?`, s); err != nil {
				return fmt.Errorf("local drive: forget blob: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range dead {
		d.quarantine(d.blobs.path(s), strings.ToLower(s))
	}
	known := map[string]bool{}
	rows, err := d.r.QueryContext(ctx, `SELECT sha1 FROM blobs`)
	if err != nil {
		return fmt.Errorf("local drive: list blobs: %w", err)
	}
	all, err := scanStrings(rows)
	if err != nil {
		return err
	}
	for _, s := range all {
		known[strings.ToLower(s)] = true
	}
	err = filepath.WalkDir(d.blobs.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if !known[e.Name()] {
			if info, err := e.Info(); shared && (err != nil || time.Since(info.ModTime()) < orphanGrace) {
				return nil // maybe an upload of another process about to commit
			}
			d.log.Warn("local drive: moving a blob no metadata names into quarantine", "path", p, "quarantine", d.quarantineDir())
			d.quarantine(p, e.Name())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("local drive: scan blobs: %w", err)
	}
	d.purgeQuarantine()
	return nil
}

// orphanGrace is how old a blob no metadata names must be before garbage
// collection moves it while another process has the drive open.
const orphanGrace = time.Hour

// removeBlobsIfUnused deletes the blobs among sha1s that no file names any more.
func (d *Drive) removeBlobsIfUnused(ctx context.Context, sha1s []string) {
	if len(sha1s) == 0 {
		return
	}
	d.blobMu.Lock()
	defer d.blobMu.Unlock()
	var dead []string
	err := d.withTx(ctx, func(tx *txn) error {
		for _, s := range sha1s {
			res, err := tx.ExecContext(ctx, blobUnusedDelete, s, s)
			if err != nil {
				return fmt.Errorf("local drive: forget blob: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				dead = append(dead, s)
			}
		}
		return nil
	})
	if err != nil {
		d.log.Warn("local drive: blob cleanup failed; it runs again at next open", "err", err)
		return
	}
	d.syncWAL() // the deletions naming these blobs must be durable before the blobs go
	for _, s := range dead {
		os.Remove(d.blobs.path(s))
	}
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("local drive: scan: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("local drive: scan: %w", err)
	}
	return out, nil
}

// blobUnusedDelete forgets a blob no file names. The subquery repeats the
// files_sha1 index's condition (sha1 != ”): SQLite uses a partial index
// only when the query implies its WHERE clause, and without it every
// check scanned the whole files table (TestBlobQueriesUseTheIndex).
const blobUnusedDelete = `DELETE FROM blobs WHERE sha1 = ? AND NOT EXISTS (SELECT 1 FROM files WHERE sha1 = ? AND sha1 != '')`

// blobsUnreferenced lists the blobs no file names (the same index rule).
const blobsUnreferenced = `SELECT sha1 FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha1 = b.sha1 AND f.sha1 != '')`
