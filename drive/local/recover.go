package local

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"
)

// recover removes the leftovers of a crash: upload sessions that can no
// longer finish or were abandoned, and OAuth tokens expired for a day; with
// gcOK (see checkGeneration) it also quarantines blobs that no metadata
// names (a crash between installing a blob and committing).
func (d *Drive) recover(ctx context.Context, gcOK bool) error {
	// A crash between locking a new marker and naming it leaves this.
	if left, _ := filepath.Glob(filepath.Join(d.dir, "locking-"+markerGlob)); len(left) > 0 {
		for _, m := range left {
			if !markerHeld(m) {
				os.Remove(m)
			}
		}
	}
	if stale := staleMarkers(d.dir); len(stale) > 0 {
		if err := d.verifyUploads(ctx); err != nil {
			return err
		}
		for _, m := range stale {
			os.Remove(m)
		}
	}
	if err := d.removeOrphanUploads(ctx); err != nil {
		return err
	}
	if err := d.withTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oauth_tokens WHERE expires_at < ?`, nanos(time.Now().Add(-24*time.Hour)))
		return err
	}); err != nil {
		return fmt.Errorf("local drive: drop expired tokens: %w", err)
	}
	if !gcOK {
		return nil
	}
	return d.gcBlobs(ctx)
}

// verifyUploads runs after an unclean shutdown. Parts are recorded before
// they are fsynced (the data file is fsynced once, at completion), so after
// a power loss a recorded part may not hold its bytes: every recorded
// part is checked against its CRC-32C ETag, and the parts that fail are
// forgotten (the client's listUploadedParts then asks for them again),
// along with the session's saved hash state.
func (d *Drive) verifyUploads(ctx context.Context) error {
	rows, err := d.r.QueryContext(ctx, `SELECT upload_id, part_number, size, etag, (SELECT part_size FROM uploads u WHERE u.upload_id = p.upload_id),
		(SELECT size < 0 FROM uploads u WHERE u.upload_id = p.upload_id) FROM upload_parts p ORDER BY upload_id, part_number`)
	if err != nil {
		return fmt.Errorf("local drive: list parts to verify: %w", err)
	}
	type bad struct {
		upload string
		part   int
	}
	var bads []bad
	tab := crc32.MakeTable(crc32.Castagnoli)
	buf := make([]byte, 1<<20)
	// A streaming upload's part starts where the parts before it end: once
	// one is missing or bad, the ones after it are forgotten too.
	var cur string
	var next int
	var off int64
	var broken bool
	for rows.Next() {
		var id, etag string
		var part int
		var size, partSize int64
		var streaming sql.NullBool
		if err := rows.Scan(&id, &part, &size, &etag, &partSize, &streaming); err != nil {
			rows.Close()
			return fmt.Errorf("local drive: scan part: %w", err)
		}
		if id != cur {
			cur, next, off, broken = id, 1, 0, false
		}
		start := int64(part-1) * partSize
		if streaming.Bool {
			start, broken = off, broken || part != next
			off, next = off+size, part+1
		}
		if broken || !partMatches(d.sessionPath(id), start, size, etag, tab, buf) {
			bads = append(bads, bad{id, part})
			broken = streaming.Bool
		}
	}
	rows.Close()
	if len(bads) == 0 {
		return nil
	}
	d.log.Warn("local drive: forgetting upload parts whose bytes did not survive a crash", "parts", len(bads))
	return d.withTx(ctx, func(tx *txn) error {
		for _, b := range bads {
			if _, err := tx.ExecContext(ctx, `DELETE FROM upload_parts WHERE upload_id = ? AND part_number = ?`, b.upload, b.part); err != nil {
				return fmt.Errorf("local drive: forget part: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE uploads SET hashed_upto = 0, hash_state = NULL WHERE upload_id = ?`, b.upload); err != nil {
				return fmt.Errorf("local drive: reset hash state: %w", err)
			}
		}
		return nil
	})
}

// partMatches reports whether bytes [off, off+size) of the file at p have
// the CRC-32C etag.
func partMatches(p string, off, size int64, etag string, tab *crc32.Table, buf []byte) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	h := crc32.New(tab)
	if n, err := io.CopyBuffer(h, io.NewSectionReader(f, off, size), buf); err != nil || n != size {
		return false
	}
	return fmt.Sprintf("%08X", h.Sum32()) == etag
}

// DefaultSessionTTL is how long an unfinished upload is kept by default
// (Options.SessionTTL; PDS keeps parts for 10 days, but an abandoned
// upload holds its disk space until dropped); older sessions and their
// files are dropped at open.
const DefaultSessionTTL = 24 * time.Hour

// removeOrphanUploads runs at open. It drops sessions that cannot finish
// (their data file is gone although parts were recorded: a crash between
// installing the blob and committing) or that saw no part written for
// Options.SessionTTL,
// with their "uploading" files, and removes data files no session names.
func (d *Drive) removeOrphanUploads(ctx context.Context) error {
	rows, err := d.r.QueryContext(ctx, `SELECT u.upload_id, u.created_at, EXISTS (SELECT 1 FROM upload_parts p WHERE p.upload_id = u.upload_id) FROM uploads u`)
	if err != nil {
		return fmt.Errorf("local drive: list uploads: %w", err)
	}
	type sess struct {
		id       string
		created  int64
		hasParts bool
	}
	var all []sess
	for rows.Next() {
		var s sess
		if err := rows.Scan(&s.id, &s.created, &s.hasParts); err != nil {
			rows.Close()
			return fmt.Errorf("local drive: scan upload: %w", err)
		}
		all = append(all, s)
	}
	rows.Close()
	live := map[string]bool{}
	var dead []string
	for _, s := range all {
		st, statErr := os.Stat(d.sessionPath(s.id))
		last := fromNanos(s.created) // last activity: the start, or the last part written
		if statErr == nil && st.ModTime().After(last) {
			last = st.ModTime()
		}
		if s.hasParts && errors.Is(statErr, os.ErrNotExist) || time.Since(last) > d.opts.SessionTTL {
			dead = append(dead, s.id)
			continue
		}
		live[s.id+".data"] = true
	}
	if len(dead) > 0 {
		err := d.withTx(ctx, func(tx *txn) error {
			for _, id := range dead {
				if _, err := tx.ExecContext(ctx, `DELETE FROM files WHERE status = 'uploading' AND id = (SELECT file_id FROM uploads WHERE upload_id = ?)`, id); err != nil {
					return fmt.Errorf("local drive: drop unfinished file: %w", err)
				}
				if err := deleteSession(ctx, tx, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		d.log.Info("local drive: dropped unfinished uploads", "count", len(dead))
	}
	ents, err := os.ReadDir(filepath.Join(d.dir, "uploads"))
	if err != nil {
		return fmt.Errorf("local drive: read uploads: %w", err)
	}
	for _, e := range ents {
		if !live[e.Name()] {
			os.Remove(filepath.Join(d.dir, "uploads", e.Name()))
		}
	}
	return nil
}
