package local

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// subtreeCTE binds one id and yields it and all its descendants as sub(id).
const subtreeCTE = `WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT f.id FROM files f JOIN sub ON f.parent_id = sub.id) `

// Update renames or (un)stars a live file. A rename onto an existing name
// follows the mode: refuse (default) answers 409 AlreadyExist.File,
// auto_rename picks "name(n).ext", ignore allows the duplicate, overwrite
// deletes an existing file of that name (never a folder).
func (d *Drive) Update(ctx context.Context, fileID string, opts drive.UpdateOptions) (*drive.File, error) {
	var f *drive.File
	var dead []string
	err := d.withTx(ctx, func(tx *txn) error {
		var err error
		f, dead, err = d.updateTx(ctx, tx, fileID, opts)
		return err
	})
	d.removeBlobsIfUnused(ctx, dead)
	return f, err
}

func (d *Drive) updateTx(ctx context.Context, tx *txn, fileID string, opts drive.UpdateOptions) (*drive.File, []string, error) {
	f, err := d.mutable(ctx, tx, fileID)
	if err != nil {
		return nil, nil, err
	}
	var dead []string
	now := time.Now().UTC()
	if opts.Name != nil && *opts.Name != f.Name {
		name, d2, err := d.placeName(ctx, tx, f, f.ParentFileID, *opts.Name, opts.CheckNameMode, drive.NameRefuse)
		if err != nil {
			return nil, nil, err
		}
		if name == "" {
			return nil, nil, alreadyExists(f.ParentFileID, *opts.Name)
		}
		dead = d2
		f.Name = name
		if !f.IsFolder() {
			f.Category, f.FileExtension = category(name), extension(name)
		}
	}
	if opts.Starred != nil {
		f.Starred = *opts.Starred
	}
	f.UpdatedAt = now
	_, err = tx.ExecContext(ctx, `UPDATE files SET name = ?, category = ?, ext = ?, starred = ?, updated_at = ? WHERE id = ?`,
		f.Name, dbCategory(f), f.FileExtension, boolInt(f.Starred), nanos(now), f.FileID)
	if err != nil {
		return nil, nil, fmt.Errorf("local drive: update %s: %w", fileID, err)
	}
	return f, dead, nil
}

func dbCategory(f *drive.File) string {
	if f.IsFolder() {
		return ""
	}
	return f.Category
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mutable returns a live, non-root file that may be renamed, moved or trashed.
func (d *Drive) mutable(ctx context.Context, q querier, fileID string) (*drive.File, error) {
	if fileID == "" {
		return nil, drive.Invalid("file_id is required")
	}
	if fileID == drive.RootID {
		return nil, &drive.Error{Status: 403, Code: drive.CodePermissionDenied, Message: "the root folder cannot be changed"}
	}
	return d.liveFile(ctx, q, fileID)
}

// placeName decides the name f gets in parent under mode (def when empty).
// It returns "" when the mode refuses because the name is taken, and the
// hashes of blobs an overwrite released.
func (d *Drive) placeName(ctx context.Context, tx *txn, f *drive.File, parent, name string, mode, def drive.CheckNameMode) (string, []string, error) {
	if err := validateName(name); err != nil {
		return "", nil, err
	}
	if mode == "" {
		mode = def
	}
	if err := validMode(mode); err != nil {
		return "", nil, err
	}
	if mode == drive.NameIgnore {
		return name, nil, nil
	}
	ex, err := d.sibling(ctx, tx, parent, name, f.FileID)
	if err != nil || ex == nil {
		return name, nil, err
	}
	switch mode {
	case drive.NameAutoRename:
		alt, err := d.freeName(ctx, tx, parent, name, f.IsFolder())
		return alt, nil, err
	case drive.NameOverwrite:
		if ex.IsFolder() || f.IsFolder() {
			return "", nil, alreadyExists(parent, name)
		}
		dead, err := d.deleteTx(ctx, tx, ex.FileID)
		return name, dead, err
	}
	return "", nil, nil
}

// checkNotInto refuses moving or copying folder id into its own subtree.
func (d *Drive) checkNotInto(ctx context.Context, q querier, id, target string) error {
	for cur := target; cur != drive.RootID && cur != ""; {
		if cur == id {
			return &drive.Error{Status: 400, Code: drive.CodeForbiddenMoveSubtree,
				Message: fmt.Sprintf("cannot put folder %s inside itself or its subfolder %s", id, target)}
		}
		if err := q.QueryRowContext(ctx, `SELECT parent_id FROM files WHERE id = ?`, cur).Scan(&cur); err != nil {
			return fmt.Errorf("local drive: walk ancestors of %s: %w", target, err)
		}
	}
	return nil
}

// Move moves (and optionally renames) a file. With refuse (the default) and
// the name taken in the target, nothing moves and the result has Exist=true
// and the id of the file holding the name.
func (d *Drive) Move(ctx context.Context, fileID, toParentID string, opts drive.MoveOptions) (*drive.MoveResult, error) {
	var res *drive.MoveResult
	var dead []string
	err := d.withTx(ctx, func(tx *txn) error {
		var err error
		res, dead, err = d.moveTx(ctx, tx, fileID, toParentID, opts.NewName, opts.CheckNameMode)
		return err
	})
	d.removeBlobsIfUnused(ctx, dead)
	return res, err
}

func (d *Drive) moveTx(ctx context.Context, tx *txn, fileID, to, newName string, mode drive.CheckNameMode) (*drive.MoveResult, []string, error) {
	f, err := d.mutable(ctx, tx, fileID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := d.folder(ctx, tx, to); err != nil {
		return nil, nil, err
	}
	if f.IsFolder() {
		if err := d.checkNotInto(ctx, tx, fileID, to); err != nil {
			return nil, nil, err
		}
	}
	name := f.Name
	if newName != "" {
		name = newName
	}
	if to == f.ParentFileID && name == f.Name {
		return &drive.MoveResult{FileID: fileID}, nil, nil
	}
	placed, dead, err := d.placeName(ctx, tx, f, to, name, mode, drive.NameRefuse)
	if err != nil {
		return nil, nil, err
	}
	if placed == "" {
		ex, err := d.sibling(ctx, tx, to, name, fileID)
		if err != nil || ex == nil {
			return nil, nil, fmt.Errorf("local drive: move: name %q vanished: %w", name, err)
		}
		return &drive.MoveResult{FileID: ex.FileID, Exist: true}, nil, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE files SET parent_id = ?, name = ?, category = ?, ext = ?, updated_at = ? WHERE id = ?`,
		to, placed, catOf(f, placed), extOf(f, placed), nanos(time.Now()), fileID)
	if err != nil {
		return nil, nil, fmt.Errorf("local drive: move %s: %w", fileID, err)
	}
	return &drive.MoveResult{FileID: fileID}, dead, nil
}

func catOf(f *drive.File, name string) string {
	if f.IsFolder() {
		return ""
	}
	return category(name)
}

func extOf(f *drive.File, name string) string {
	if f.IsFolder() {
		return ""
	}
	return extension(name)
}

// Copy copies a file, or a folder with its whole subtree, into toParentID.
// A taken name is a 409 AlreadyExist.File unless AutoRename is set.
func (d *Drive) Copy(ctx context.Context, fileID, toParentID string, opts drive.CopyOptions) (*drive.MoveResult, error) {
	mode := drive.NameRefuse
	if opts.AutoRename {
		mode = drive.NameAutoRename
	}
	var res *drive.MoveResult
	err := d.withTx(ctx, func(tx *txn) error {
		var err error
		res, err = d.copyTx(ctx, tx, fileID, toParentID, opts.NewName, mode)
		return err
	})
	return res, err
}

func (d *Drive) copyTx(ctx context.Context, tx *txn, fileID, to, newName string, mode drive.CheckNameMode) (*drive.MoveResult, error) {
	return d.copyTxAs(ctx, tx, fileID, to, newName, mode, newID())
}

// copyTxAs is copyTx with the copy's id chosen by the caller (an
// asynchronous copy answers the id before the copy is made).
func (d *Drive) copyTxAs(ctx context.Context, tx *txn, fileID, to, newName string, mode drive.CheckNameMode, newRoot string) (*drive.MoveResult, error) {
	f, err := d.mutable(ctx, tx, fileID)
	if err != nil {
		return nil, err
	}
	if _, err := d.folder(ctx, tx, to); err != nil {
		return nil, err
	}
	if f.IsFolder() {
		if err := d.checkNotInto(ctx, tx, fileID, to); err != nil {
			return nil, err
		}
	}
	name := f.Name
	if newName != "" {
		name = newName
	}
	if mode == drive.NameOverwrite {
		mode = drive.NameRefuse // copies never replace files
	}
	// The source stays where it is, so unlike a move it counts as a
	// sibling: copying into its own folder with auto_rename gives "a(1).txt"
	// (alist driver.go Copy, OpenDAL backend.rs copy).
	src := *f
	src.FileID = ""
	placed, _, err := d.placeName(ctx, tx, &src, to, name, mode, drive.NameRefuse)
	if err != nil {
		return nil, err
	}
	if placed == "" {
		return nil, alreadyExists(to, name)
	}
	now := nanos(time.Now())
	_, err = tx.ExecContext(ctx, `INSERT INTO files(id, parent_id, name, type, size, sha1, category, ext, status, trashed, starred, created_at, updated_at)
		SELECT ?, ?, ?, type, size, sha1, ?, ?, status, 0, 0, ?, ? FROM files WHERE id = ?`,
		newRoot, to, placed, catOf(f, placed), extOf(f, placed), now, now, fileID)
	if err != nil {
		return nil, fmt.Errorf("local drive: copy %s: %w", fileID, err)
	}
	total := f.Size
	if f.IsFolder() {
		// Copy the subtree breadth first; ids maps old ids to new ones.
		ids := map[string]string{fileID: newRoot}
		for level := []string{fileID}; len(level) > 0; {
			var next []string
			for _, old := range level {
				n, nx, err := d.copyChildren(ctx, tx, old, ids, now, next)
				if err != nil {
					return nil, fmt.Errorf("local drive: copy %s: %w", fileID, err)
				}
				total, next = total+n, nx
			}
			level = next
		}
	}
	if err := d.addUsed(ctx, tx, total); err != nil {
		return nil, err
	}
	return &drive.MoveResult{FileID: newRoot}, nil
}

// copyChildren copies the live children of old under ids[old], recording
// new ids; it returns the bytes copied and appends child folders to next.
func (d *Drive) copyChildren(ctx context.Context, tx *txn, old string, ids map[string]string, now int64, next []string) (int64, []string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, type, size FROM files WHERE parent_id = ? AND `+liveCond, old)
	if err != nil {
		return 0, nil, err
	}
	type child struct {
		id, typ string
		size    int64
	}
	var kids []child
	for rows.Next() {
		var c child
		if err := rows.Scan(&c.id, &c.typ, &c.size); err != nil {
			rows.Close()
			return 0, nil, err
		}
		kids = append(kids, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	var total int64
	for _, c := range kids {
		nid := newID()
		ids[c.id] = nid
		_, err := tx.ExecContext(ctx, `INSERT INTO files(id, parent_id, name, type, size, sha1, category, ext, status, trashed, starred, created_at, updated_at)
			SELECT ?, ?, name, type, size, sha1, category, ext, status, 0, 0, ?, ? FROM files WHERE id = ?`, nid, ids[old], now, now, c.id)
		if err != nil {
			return 0, nil, err
		}
		if c.typ == drive.TypeFolder {
			next = append(next, c.id)
		} else {
			total += c.size
		}
	}
	return total, next, nil
}
