package local

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// LostAndFound is the folder Fsck puts recovered content in: one file per
// blob no metadata named, called by its SHA-1 (plus an extension guessed
// from the content).
const LostAndFound = "/lost+found"

// FsckOptions tunes Fsck.
type FsckOptions struct {
	// DryRun reports without changing anything.
	DryRun bool
	// Force runs although another process has the drive open.
	Force bool
	// Logger receives operational logs (default slog.Default()).
	Logger *slog.Logger
}

// FsckReport is what Fsck found and did.
type FsckReport struct {
	Dir string `json:"dir"`
	// Database is the state of meta.db: "ok", "missing" (absent or empty),
	// "damaged" (moved aside, see DamagedDatabase) or "other-generation".
	Database        string `json:"database"`
	DamagedDatabase string `json:"damaged_database,omitempty"`
	// Snapshot is the time of the metadata snapshot (meta.snapshot.db) the
	// metadata was restored from, when meta.db was missing or damaged.
	Snapshot     *time.Time `json:"snapshot,omitempty"`
	DryRun       bool       `json:"dry_run"`
	BlobsChecked int        `json:"blobs_checked"`
	Healthy      int        `json:"healthy"`
	// Restored counts healthy blobs moved back from quarantine/.
	Restored int `json:"restored_from_quarantine"`
	// Recovered lists content no file named, now files under LostAndFound.
	Recovered []FsckFile `json:"recovered"`
	// Damaged lists blobs whose content does not match their hash (moved
	// to quarantine/<sha1>.bad), with the files that named them.
	Damaged []FsckBlob `json:"damaged"`
	// Missing lists content files name that no blob holds.
	Missing []FsckBlob `json:"missing"`
}

// FsckFile is a recovered file.
type FsckFile struct {
	SHA1 string `json:"sha1"`
	Size int64  `json:"size"`
	Path string `json:"path"`
}

// FsckBlob is content Fsck could not repair, and the files naming it.
type FsckBlob struct {
	SHA1  string   `json:"sha1"`
	Size  int64    `json:"size"`
	Blob  string   `json:"blob,omitempty"` // where the damaged bytes are kept
	Files []string `json:"files"`
	// Dropped: the files came from the snapshot and were left out of the
	// restored metadata (deleted after the snapshot, or lost).
	Dropped bool `json:"dropped,omitempty"`
}

// Clean reports whether nothing is left that Fsck could not repair.
func (r *FsckReport) Clean() bool { return len(r.Damaged) == 0 && len(r.Missing) == 0 }

// diskBlob is a blob file found on disk.
type diskBlob struct {
	sha1, path  string
	size        int64
	quarantined bool
	good        bool
}

// Fsck checks the drive in dir against its blobs and repairs what it can:
// a missing or empty meta.db is restored from the metadata snapshot
// (meta.snapshot.db) if there is one, else created; a damaged one (SQLite
// integrity_check fails) is moved aside as meta.db.damaged-<time> first;
// files of the snapshot whose content is gone are dropped; every blob (also in quarantine/) is hashed; content no file
// names becomes a file under LostAndFound; blobs whose bytes do not match
// their hash are quarantined as <sha1>.bad; the used space and the
// generation of metadata and blobs are set. What it cannot repair (damaged
// or missing content) is listed with the files that name it: re-upload
// those. Run it while no other process uses the drive.
func Fsck(ctx context.Context, dir string, opts FsckOptions) (*FsckReport, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if live := liveMarkers(dir); len(live) > 0 && !opts.Force {
		return nil, fmt.Errorf("local drive fsck: %s is open in another process (%s): stop it (wasmdrive serve?) first, or pass --force", dir, filepath.Base(live[0]))
	}
	rep := &FsckReport{Dir: dir, DryRun: opts.DryRun, Database: "ok", Recovered: []FsckFile{}, Damaged: []FsckBlob{}, Missing: []FsckBlob{}}
	usable := true
	switch {
	case metaMissing(dir):
		rep.Database, usable = "missing", false
	case !databaseHealthy(filepath.Join(dir, "meta.db")):
		rep.Database, usable = "damaged", false
		if !opts.DryRun {
			aside, err := moveDatabaseAside(dir)
			if err != nil {
				return nil, err
			}
			rep.DamagedDatabase = aside
		}
	}
	if !usable && !opts.DryRun {
		t, err := restoreSnapshot(dir)
		if err != nil {
			return nil, err
		}
		if !t.IsZero() {
			rep.Snapshot, usable = &t, true
		}
	}
	var d *Drive
	if !usable && opts.DryRun {
		view, t, cleanup, err := snapshotView(dir, opts.Logger)
		if err != nil {
			return nil, err
		}
		if view != nil {
			defer cleanup()
			d, rep.Snapshot = view, &t
		}
	}
	if usable || !opts.DryRun {
		var err error
		if d, err = Open(dir, Options{fsck: true, Logger: opts.Logger}); err != nil {
			return nil, fmt.Errorf("local drive fsck: %w", err)
		}
		defer d.Close()
		if usable && rep.Snapshot == nil {
			if g, err := dbGeneration(ctx, d.r); err == nil && g != "" && g != readMarker(dir) {
				rep.Database = "other-generation"
			}
		}
	}
	blobs, err := scanBlobs(dir)
	if err != nil {
		return nil, err
	}
	rep.BlobsChecked = len(blobs)
	refs := map[string][]string{} // sha1 -> file ids
	sizes := map[string]int64{}
	if d != nil {
		rows, err := d.r.QueryContext(ctx, `SELECT id, sha1, size FROM files WHERE type = 'file' AND status = 'available' AND sha1 != ''`)
		if err != nil {
			return nil, fmt.Errorf("local drive fsck: list files: %w", err)
		}
		for rows.Next() {
			var id, sum string
			var size int64
			if err := rows.Scan(&id, &sum, &size); err != nil {
				rows.Close()
				return nil, fmt.Errorf("local drive fsck: scan files: %w", err)
			}
			refs[sum] = append(refs[sum], id)
			sizes[sum] = size
		}
		rows.Close()
	}
	good := map[string]*diskBlob{}
	for _, b := range blobs {
		if !b.good {
			if !b.quarantined && !opts.DryRun {
				d.quarantine(b.path, strings.ToLower(b.sha1)+badSuffix)
				b.path = filepath.Join(d.quarantineDir(), strings.ToLower(b.sha1)+badSuffix)
			}
			if len(refs[b.sha1]) > 0 || !b.quarantined {
				rep.Damaged = append(rep.Damaged, FsckBlob{SHA1: b.sha1, Size: b.size, Blob: b.path, Files: d.paths(ctx, refs[b.sha1])})
			}
			continue
		}
		if g := good[b.sha1]; g == nil || g.quarantined {
			good[b.sha1] = b
		}
	}
	for _, b := range good {
		rep.Healthy++
		if opts.DryRun {
			if len(refs[b.sha1]) == 0 {
				rep.Recovered = append(rep.Recovered, FsckFile{SHA1: b.sha1, Size: b.size, Path: path.Join(LostAndFound, b.sha1)})
			}
			continue
		}
		if b.path != d.blobs.path(b.sha1) { // in quarantine, or misplaced
			if err := d.blobs.install(b.path, b.sha1); err != nil {
				return nil, err
			}
			os.Remove(b.path)
			if b.quarantined {
				rep.Restored++
			}
		}
		if len(refs[b.sha1]) == 0 {
			p, err := d.recoverBlob(ctx, b)
			if err != nil {
				return nil, err
			}
			rep.Recovered = append(rep.Recovered, FsckFile{SHA1: b.sha1, Size: b.size, Path: p})
		} else if err := d.recordBlob(ctx, b); err != nil {
			return nil, err
		}
	}
	for sum, ids := range refs {
		if good[sum] != nil || containsBlob(rep.Damaged, sum) {
			continue
		}
		rep.Missing = append(rep.Missing, FsckBlob{SHA1: sum, Size: sizes[sum], Files: d.paths(ctx, ids), Dropped: rep.Snapshot != nil})
	}
	sort.Slice(rep.Recovered, func(i, j int) bool { return rep.Recovered[i].Path < rep.Recovered[j].Path })
	sort.Slice(rep.Missing, func(i, j int) bool { return rep.Missing[i].SHA1 < rep.Missing[j].SHA1 })
	sort.Slice(rep.Damaged, func(i, j int) bool { return rep.Damaged[i].SHA1 < rep.Damaged[j].SHA1 })
	if opts.DryRun {
		return rep, nil
	}
	if rep.Snapshot != nil {
		if err := d.dropMissing(ctx, rep.Missing); err != nil {
			return nil, err
		}
	}
	if err := d.finishFsck(ctx, good); err != nil {
		return nil, err
	}
	return rep, nil
}

func containsBlob(bs []FsckBlob, sum string) bool {
	for _, b := range bs {
		if b.SHA1 == sum {
			return true
		}
	}
	return false
}

// databaseHealthy reports whether the SQLite file at p opens and passes
// integrity_check.
func databaseHealthy(p string) bool {
	db, err := sql.Open("sqlite", "file:"+p+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return false
	}
	defer db.Close()
	var s string
	return db.QueryRow("PRAGMA integrity_check").Scan(&s) == nil && s == "ok"
}

// moveDatabaseAside renames meta.db and its WAL files to
// meta.db.damaged-<time>*, returning the new name of meta.db.
func moveDatabaseAside(dir string) (string, error) {
	base := filepath.Join(dir, fmt.Sprintf("meta.db.damaged-%s", time.Now().UTC().Format("20060102T150405Z")))
	for _, sfx := range []string{"", "-wal", "-shm"} {
		err := os.Rename(filepath.Join(dir, "meta.db"+sfx), base+sfx)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("local drive fsck: move the damaged meta.db aside: %w", err)
		}
	}
	return base, nil
}

// scanBlobs hashes every blob file under blobs/ and quarantine/.
func scanBlobs(dir string) ([]*diskBlob, error) {
	var out []*diskBlob
	for _, sub := range []string{"blobs", "quarantine"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if e.IsDir() || !isSHA1Hex(strings.TrimSuffix(e.Name(), badSuffix)) {
				return nil
			}
			b := &diskBlob{sha1: strings.ToUpper(strings.TrimSuffix(e.Name(), badSuffix)), path: p, quarantined: sub == "quarantine"}
			sum, size, err := hashPath(p)
			if err != nil {
				return fmt.Errorf("local drive fsck: read %s: %w", p, err)
			}
			b.size, b.good = size, sum == b.sha1 && !strings.HasSuffix(e.Name(), badSuffix)
			out = append(out, b)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("local drive fsck: scan %s: %w", sub, err)
		}
	}
	return out, nil
}

// hashPath returns the upper-case SHA-1 and the size of the file at p.
func hashPath(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h, _ := restoreSHA1(nil)
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	if err != nil {
		return "", 0, err
	}
	return hexSum(h), n, nil
}

// recordBlob makes sure the blobs table knows a healthy blob.
func (d *Drive) recordBlob(ctx context.Context, b *diskBlob) error {
	f, err := d.blobs.open(b.sha1)
	if err != nil {
		return err
	}
	pre, err := openapi.PreHash(f, b.size)
	f.Close()
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *txn) error {
		return insertBlob(ctx, tx, blobRow{sha1: b.sha1, size: b.size, preHash: pre})
	})
}

// recoverBlob records a blob no file names as a file under LostAndFound
// and returns its path.
func (d *Drive) recoverBlob(ctx context.Context, b *diskBlob) (string, error) {
	if err := d.recordBlob(ctx, b); err != nil {
		return "", err
	}
	lf, err := d.MkdirAll(ctx, LostAndFound)
	if err != nil {
		return "", fmt.Errorf("local drive fsck: create %s: %w", LostAndFound, err)
	}
	name := b.sha1 + d.guessExt(b.sha1)
	err = d.withTx(ctx, func(tx *txn) error {
		f := d.newFileRow(lf.FileID, name, drive.TypeFile)
		f.Size, f.ContentHash = b.size, b.sha1
		ex, err := d.sibling(ctx, tx, lf.FileID, name, "")
		if err != nil || ex != nil {
			return err
		}
		return insertFile(ctx, tx, f, 0)
	})
	if err != nil {
		return "", fmt.Errorf("local drive fsck: record %s: %w", name, err)
	}
	return path.Join(LostAndFound, name), nil
}

// guessExt is a file extension for the blob's content type ("" if unknown).
func (d *Drive) guessExt(sha1 string) string {
	f, err := d.blobs.open(sha1)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	ct, _, _ := strings.Cut(http.DetectContentType(head[:n]), ";")
	return map[string]string{
		"text/plain": ".txt", "text/html": ".html", "text/xml": ".xml", "application/json": ".json",
		"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
		"application/pdf": ".pdf", "application/zip": ".zip", "application/x-gzip": ".gz",
		"video/mp4": ".mp4", "audio/mpeg": ".mp3", "application/wasm": ".wasm",
	}[ct]
}

// finishFsck forgets blob rows without a healthy blob, recomputes the used
// space and gives metadata and blobs one generation.
func (d *Drive) finishFsck(ctx context.Context, good map[string]*diskBlob) error {
	rows, err := d.r.QueryContext(ctx, `SELECT sha1 FROM blobs`)
	if err != nil {
		return fmt.Errorf("local drive fsck: list blobs: %w", err)
	}
	all, err := scanStrings(rows)
	if err != nil {
		return err
	}
	err = d.withTx(ctx, func(tx *txn) error {
		for _, s := range all {
			if good[s] == nil {
				if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE sha1 = ?`, s); err != nil {
					return fmt.Errorf("forget blob %s: %w", s, err)
				}
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO kv(k, v) VALUES('used', (SELECT COALESCE(SUM(size), 0) FROM files WHERE type = 'file' AND status = 'available'))
			ON CONFLICT(k) DO UPDATE SET v = excluded.v`)
		return err
	})
	if err != nil {
		return fmt.Errorf("local drive fsck: %w", err)
	}
	gen, err := dbGeneration(ctx, d.r)
	if err != nil {
		return err
	}
	if gen == "" {
		gen = randomToken(16)
	}
	if err := d.setGeneration(ctx, gen); err != nil {
		return err
	}
	if ok, err := hasFiles(ctx, d.r); err == nil && ok {
		if err := d.writeSnapshot(ctx, filepath.Join(d.dir, snapshotFile)); err != nil {
			d.log.Warn("local drive fsck: write the metadata snapshot", "err", err)
		}
	}
	return nil
}

// paths returns the paths of the files with these ids (nil d: the ids).
func (d *Drive) paths(ctx context.Context, ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if d == nil {
			out = append(out, id)
			continue
		}
		out = append(out, d.pathOf(ctx, id))
	}
	sort.Strings(out)
	return out
}

// pathOf is the path of file id (its id when a parent is missing).
func (d *Drive) pathOf(ctx context.Context, id string) string {
	var parts []string
	for cur := id; cur != drive.RootID; {
		var name, parent string
		if err := d.r.QueryRowContext(ctx, `SELECT name, parent_id FROM files WHERE id = ?`, cur).Scan(&name, &parent); err != nil || len(parts) > 1000 {
			return id
		}
		parts = append([]string{name}, parts...)
		cur = parent
	}
	return "/" + strings.Join(parts, "/")
}

// liveMarkers returns the open markers of processes still running.
func liveMarkers(dir string) []string {
	all, _ := filepath.Glob(filepath.Join(dir, markerGlob))
	stale := map[string]bool{}
	for _, m := range staleMarkers(dir) {
		stale[m] = true
	}
	var live []string
	for _, m := range all {
		if !stale[m] {
			live = append(live, m)
		}
	}
	return live
}

// dropMissing removes the files restored from a snapshot whose content is
// gone (deleted after the snapshot, or lost), marking them Dropped.
func (d *Drive) dropMissing(ctx context.Context, missing []FsckBlob) error {
	err := d.withTx(ctx, func(tx *txn) error {
		for i := range missing {
			if _, err := tx.ExecContext(ctx, `DELETE FROM files WHERE type = 'file' AND sha1 = ?`, missing[i].SHA1); err != nil {
				return err
			}
			missing[i].Dropped = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("local drive fsck: drop files without content: %w", err)
	}
	return nil
}
