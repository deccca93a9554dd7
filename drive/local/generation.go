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

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// A drive's metadata and its blobs carry the same generation id: the
// database in kv('generation'), the blob store in the file blobs.gen beside
// blobs/. Blob garbage collection runs only when both agree and the
// database names at least one file, so a missing, emptied or foreign
// meta.db never makes the blobs look like orphans.

// generationFile is the blob store's generation marker, in the data folder.
const generationFile = "blobs.gen"

// ErrNeedsFsck is matched (errors.Is) by the error of Open when the data
// folder holds content the metadata cannot account for: run
// `wasmdrive drive fsck`.
var ErrNeedsFsck = errors.New("local drive: metadata does not account for the blobs")

// NeedsFsckError says why Open refused a data folder.
type NeedsFsckError struct {
	Dir    string
	Reason string
}

func (e *NeedsFsckError) Error() string {
	return fmt.Sprintf("local drive %s: %s; refusing to open it as an empty drive, which would hide the stored content: run `wasmdrive drive fsck` to rebuild the metadata from the blobs", e.Dir, e.Reason)
}

// Is makes a *NeedsFsckError match ErrNeedsFsck.
func (e *NeedsFsckError) Is(target error) bool { return target == ErrNeedsFsck }

// metaMissing reports whether meta.db is absent or zero-length (SQLite
// would open either as a new, empty database).
func metaMissing(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "meta.db"))
	return errors.Is(err, fs.ErrNotExist) || err == nil && st.Size() == 0
}

// anyBlob reports whether the blob store under root holds a blob file.
func anyBlob(root string) bool {
	found := false
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		if isSHA1Hex(e.Name()) {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// readMarker returns the blob store's generation ("" if none).
func readMarker(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, generationFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// writeMarker records the blob store's generation, durably.
func writeMarker(dir, gen string) error {
	p := filepath.Join(dir, generationFile)
	tmp := p + ".tmp"
	if err := private.WriteFile(tmp, []byte(gen+"\n")); err != nil {
		return fmt.Errorf("local drive: write %s: %w", generationFile, err)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("local drive: write %s: %w", generationFile, err)
	}
	return syncDir(dir)
}

// dbGeneration returns the database's generation ("" if none).
func dbGeneration(ctx context.Context, q querier) (string, error) {
	var g []byte
	err := q.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = 'generation'`).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("local drive: read generation: %w", err)
	}
	return string(g), nil
}

// setGeneration writes gen into the database and then the marker.
func (d *Drive) setGeneration(ctx context.Context, gen string) error {
	err := d.withTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO kv(k, v) VALUES('generation', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, []byte(gen))
		return err
	})
	if err != nil {
		return fmt.Errorf("local drive: record generation: %w", err)
	}
	d.syncWAL()
	return writeMarker(d.dir, gen)
}

// hasFiles reports whether the database names any file.
func hasFiles(ctx context.Context, q querier) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM files WHERE type = 'file' LIMIT 1`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("local drive: count files: %w", err)
	}
	return true, nil
}

// checkGeneration compares the database's and the blob store's
// generations at open. It returns whether blob garbage collection may run,
// or a *NeedsFsckError when blobs exist that an empty database cannot
// account for. A new drive (no blobs) gets a fresh generation; a drive made
// before generations existed adopts one when its database names files.
func (d *Drive) checkGeneration(ctx context.Context) (gcOK bool, err error) {
	dbGen, err := dbGeneration(ctx, d.r)
	if err != nil {
		return false, err
	}
	marker := readMarker(d.dir)
	if dbGen != "" && dbGen == marker {
		return hasFiles(ctx, d.r)
	}
	if !anyBlob(d.blobs.root) {
		if dbGen == "" {
			dbGen = randomToken(16)
		}
		return false, d.setGeneration(ctx, dbGen) // nothing to collect yet
	}
	files, err := hasFiles(ctx, d.r)
	if err != nil {
		return false, err
	}
	if !files {
		return false, &NeedsFsckError{Dir: d.dir, Reason: "it holds content blobs but its metadata (meta.db) names no file"}
	}
	if dbGen == "" && marker == "" { // made before generations: adopt one
		if err := d.setGeneration(ctx, randomToken(16)); err != nil {
			return false, err
		}
		return true, nil
	}
	d.log.Warn("local drive: the metadata and the blobs are of different generations (meta.db replaced or restored?); blob cleanup is off until `wasmdrive drive fsck` reconciles them",
		"dir", d.dir, "meta_generation", dbGen, "blobs_generation", marker)
	return false, nil
}
