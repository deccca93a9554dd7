package local

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Trash moves a file (a folder with its subtree) to the recycle bin.
// Trashing a file already in the bin succeeds.
func (d *Drive) Trash(ctx context.Context, fileID string) error {
	return d.withTx(ctx, func(tx *txn) error { return d.trashTx(ctx, tx, fileID) })
}

func (d *Drive) trashTx(ctx context.Context, tx *txn, fileID string) error {
	f, err := d.getFile(ctx, tx, fileID)
	if err != nil {
		return err
	}
	if f.Trashed {
		return nil
	}
	if _, err := d.mutable(ctx, tx, fileID); err != nil {
		return err
	}
	now := nanos(time.Now())
	if _, err := tx.ExecContext(ctx, `UPDATE files SET trashed = 1, trashed_at = ?, updated_at = ? WHERE id = ?`, now, now, fileID); err != nil {
		return fmt.Errorf("local drive: trash %s: %w", fileID, err)
	}
	if f.IsFolder() {
		_, err := tx.ExecContext(ctx, `WITH RECURSIVE sub(id) AS (SELECT id FROM files WHERE parent_id = ? AND trashed = 0
			UNION ALL SELECT f.id FROM files f JOIN sub ON f.parent_id = sub.id WHERE f.trashed = 0)
			UPDATE files SET trashed = 2 WHERE id IN (SELECT id FROM sub)`, fileID)
		if err != nil {
			return fmt.Errorf("local drive: hide subtree of %s: %w", fileID, err)
		}
	}
	return nil
}

// Restore brings a file back from the recycle bin into its old folder (or
// the root when that folder is gone or trashed), renaming it "name(n).ext"
// if the name is taken meanwhile. A file inside a trashed folder can be
// restored on its own too: it goes to the root.
func (d *Drive) Restore(ctx context.Context, fileID string) error {
	return d.withTx(ctx, func(tx *txn) error { return d.restoreTx(ctx, tx, fileID) })
}

func (d *Drive) restoreTx(ctx context.Context, tx *txn, fileID string) error {
	f, err := d.getFile(ctx, tx, fileID)
	if err != nil {
		return err
	}
	if !f.Trashed {
		return &drive.Error{Status: 404, Code: drive.CodeNotFoundFile, Message: fmt.Sprintf("file %s is not in the recycle bin", fileID)}
	}
	parent := f.ParentFileID
	if _, err := d.folder(ctx, tx, parent); err != nil {
		parent = drive.RootID
	}
	name := f.Name
	if ex, err := d.sibling(ctx, tx, parent, name, fileID); err != nil {
		return err
	} else if ex != nil {
		if name, err = d.freeName(ctx, tx, parent, name, f.IsFolder()); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE files SET trashed = 0, trashed_at = 0, parent_id = ?, name = ? WHERE id = ?`, parent, name, fileID); err != nil {
		return fmt.Errorf("local drive: restore %s: %w", fileID, err)
	}
	if f.IsFolder() {
		_, err := tx.ExecContext(ctx, `WITH RECURSIVE sub(id) AS (SELECT id FROM files WHERE parent_id = ? AND trashed = 2
			UNION ALL SELECT f.id FROM files f JOIN sub ON f.parent_id = sub.id WHERE f.trashed = 2)
			UPDATE files SET trashed = 0 WHERE id IN (SELECT id FROM sub)`, fileID)
		if err != nil {
			return fmt.Errorf("local drive: unhide subtree of %s: %w", fileID, err)
		}
	}
	return nil
}

// Delete removes a file (a folder with its subtree) permanently, whether or
// not it is in the recycle bin, and frees content no other file uses.
func (d *Drive) Delete(ctx context.Context, fileID string) error {
	var dead []string
	err := d.withTx(ctx, func(tx *txn) error {
		var err error
		dead, err = d.deleteTx(ctx, tx, fileID)
		return err
	})
	d.removeBlobsIfUnused(ctx, dead)
	return err
}

// deleteTx deletes the subtree of fileID and returns the content hashes it
// referenced (candidates for blob removal after commit).
func (d *Drive) deleteTx(ctx context.Context, tx *txn, fileID string) ([]string, error) {
	if fileID == drive.RootID {
		return nil, &drive.Error{Status: 403, Code: drive.CodePermissionDenied, Message: "the root folder cannot be deleted"}
	}
	if _, err := d.getFile(ctx, tx, fileID); err != nil {
		return nil, err
	}
	var freed int64
	if err := tx.QueryRowContext(ctx, subtreeCTE+`SELECT COALESCE(SUM(size), 0) FROM files WHERE id IN (SELECT id FROM sub) AND type = 'file' AND status = 'available'`, fileID).Scan(&freed); err != nil {
		return nil, fmt.Errorf("local drive: size subtree of %s: %w", fileID, err)
	}
	rows, err := tx.QueryContext(ctx, subtreeCTE+`SELECT DISTINCT sha1 FROM files WHERE id IN (SELECT id FROM sub) AND sha1 != ''`, fileID)
	if err != nil {
		return nil, fmt.Errorf("local drive: list content of %s: %w", fileID, err)
	}
	dead, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, subtreeCTE+`SELECT upload_id FROM uploads WHERE file_id IN (SELECT id FROM sub)`, fileID)
	if err != nil {
		return nil, fmt.Errorf("local drive: list uploads of %s: %w", fileID, err)
	}
	ups, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	for _, u := range ups { // the data files go at the next open (removeOrphanUploads)
		if err := deleteSession(ctx, tx, u); err != nil {
			return nil, err
		}
		d.uploads.Delete(u)
	}
	if _, err := tx.ExecContext(ctx, subtreeCTE+`DELETE FROM files WHERE id IN (SELECT id FROM sub)`, fileID); err != nil {
		return nil, fmt.Errorf("local drive: delete %s: %w", fileID, err)
	}
	if err := d.addUsed(ctx, tx, -freed); err != nil {
		return nil, err
	}
	return dead, nil
}
