package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// recover removes the leftovers of a crash: blobs that no metadata names
// (a crash between installing a blob and committing), and upload sessions
// that can no longer finish.
func (d *Drive) recover(ctx context.Context) error {
	if err := d.removeOrphanUploads(ctx); err != nil {
		return err
	}
	return d.gcBlobs(ctx)
}

// SessionTTL is how long an unfinished upload is kept (PDS keeps parts
// for 10 days); older sessions and their files are dropped at open.
const SessionTTL = 10 * 24 * time.Hour

// removeOrphanUploads runs at open. It drops sessions that cannot finish
// (their data file is gone although parts were recorded: a crash between
// installing the blob and committing) or that are older than SessionTTL,
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
		_, statErr := os.Stat(d.sessionPath(s.id))
		if s.hasParts && errors.Is(statErr, os.ErrNotExist) || time.Since(fromNanos(s.created)) > SessionTTL {
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
