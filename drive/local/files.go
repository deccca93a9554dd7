package local

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// fileCols are the columns scanFile reads, in order.
const fileCols = `id, parent_id, name, type, size, sha1, category, ext, status, trashed, starred, created_at, updated_at`

// liveCond selects rows visible in listings.
const liveCond = `trashed = 0 AND status = 'available'`

type scanner interface{ Scan(dest ...any) error }

func (d *Drive) scanFile(s scanner) (*drive.File, error) {
	var f drive.File
	var trashed, starred int
	var created, updated int64
	if err := s.Scan(&f.FileID, &f.ParentFileID, &f.Name, &f.Type, &f.Size, &f.ContentHash, &f.Category,
		&f.FileExtension, &f.Status, &trashed, &starred, &created, &updated); err != nil {
		return nil, err
	}
	f.DriveID = d.opts.DriveID
	f.Trashed = trashed != 0 // 1: in the recycle bin; 2: under a folder that is
	f.Starred = starred != 0
	f.CreatedAt, f.UpdatedAt = fromNanos(created), fromNanos(updated)
	if f.Type == drive.TypeFile {
		f.ContentHashName = openapi.ContentHashNameSHA1
	} else {
		f.Category, f.FileExtension = "", ""
	}
	return &f, nil
}

func (d *Drive) scanFiles(rows *sql.Rows) ([]*drive.File, error) {
	defer rows.Close()
	out := []*drive.File{}
	for rows.Next() {
		f, err := d.scanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("local drive: scan file: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("local drive: scan files: %w", err)
	}
	return out, nil
}

// root is the synthetic root folder.
func (d *Drive) root() *drive.File {
	return &drive.File{DriveID: d.opts.DriveID, FileID: drive.RootID, Name: "root", Type: drive.TypeFolder,
		Status: openapi.StatusAvailable, Path: "/"}
}

// getFile reads one row by id, whatever its state; NotFound if absent.
func (d *Drive) getFile(ctx context.Context, q querier, id string) (*drive.File, error) {
	if id == drive.RootID {
		return d.root(), nil
	}
	f, err := d.scanFile(q.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, drive.NotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("local drive: get %s: %w", id, err)
	}
	return f, nil
}

// liveFile is getFile restricted to files visible in listings.
func (d *Drive) liveFile(ctx context.Context, q querier, id string) (*drive.File, error) {
	f, err := d.getFile(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if f.Trashed || f.Status != openapi.StatusAvailable { // Trashed also when an ancestor is
		return nil, drive.NotFound(id)
	}
	return f, nil
}

// folder returns the live folder id (the root included) or NotFound.
func (d *Drive) folder(ctx context.Context, q querier, id string) (*drive.File, error) {
	if id == "" {
		return nil, drive.Invalid("parent_file_id is required")
	}
	f, err := d.liveFile(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !f.IsFolder() {
		return nil, drive.Invalid("%s is a file, not a folder", id)
	}
	return f, nil
}

// DriveInfo describes the account.
func (d *Drive) DriveInfo(ctx context.Context) (*drive.DriveInfo, error) {
	return &drive.DriveInfo{UserID: d.opts.UserName, Name: d.opts.UserName, DefaultDriveID: d.opts.DriveID}, nil
}

// SpaceInfo reports the bytes stored (trashed files included) and the quota.
func (d *Drive) SpaceInfo(ctx context.Context) (*drive.SpaceInfo, error) {
	used, err := usedBytes(ctx, d.r)
	if err != nil {
		return nil, err
	}
	return &drive.SpaceInfo{UsedSize: used, TotalSize: d.opts.QuotaBytes}, nil
}

func usedBytes(ctx context.Context, q querier) (int64, error) {
	var used int64
	err := q.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = 'used'`).Scan(&used)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("local drive: read used space: %w", err)
	}
	return used, nil
}

// addUsed adds delta bytes to the used space, refusing with
// QuotaExhausted.Drive when a positive delta would exceed the quota.
func (d *Drive) addUsed(ctx context.Context, tx *txn, delta int64) error {
	if delta == 0 {
		return nil
	}
	used, err := usedBytes(ctx, tx)
	if err != nil {
		return err
	}
	if delta > 0 && used+delta > d.opts.QuotaBytes {
		return &drive.Error{Status: 403, Code: drive.CodeQuotaExhausted,
			Message: fmt.Sprintf("the drive holds %d of %d bytes; %d more do not fit: delete files or raise the quota", used, d.opts.QuotaBytes, delta)}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO kv(k, v) VALUES('used', ?) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v`, delta)
	if err != nil {
		return fmt.Errorf("local drive: update used space: %w", err)
	}
	return nil
}

// Get returns a file by id, also when it is trashed or still uploading.
func (d *Drive) Get(ctx context.Context, fileID string) (*drive.File, error) {
	if fileID == "" {
		return nil, drive.Invalid("file_id is required")
	}
	return d.getFile(ctx, d.rq, fileID)
}

// GetByPath resolves an absolute path among live files; with duplicate
// names (NameIgnore) the oldest (smallest id) wins.
func (d *Drive) GetByPath(ctx context.Context, p string) (*drive.File, error) {
	parts, err := splitPath(p)
	if err != nil {
		return nil, err
	}
	cur := d.root()
	for i, name := range parts {
		if !cur.IsFolder() {
			return nil, &drive.Error{Status: 404, Code: drive.CodeNotFoundFile, Message: fmt.Sprintf("%q is a file, not a folder", "/"+strings.Join(parts[:i], "/"))}
		}
		f, err := d.scanFile(d.r.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE parent_id = ? AND name = ? AND `+liveCond+` ORDER BY id LIMIT 1`, cur.FileID, name))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, &drive.Error{Status: 404, Code: drive.CodeNotFoundFile, Message: fmt.Sprintf("path %q not found", p)}
		}
		if err != nil {
			return nil, fmt.Errorf("local drive: resolve %q: %w", p, err)
		}
		cur = f
	}
	cur.Path = "/" + strings.Join(parts, "/")
	return cur, nil
}

// sibling returns a live file named name in parent (other than exceptID), or nil.
func (d *Drive) sibling(ctx context.Context, q querier, parent, name, exceptID string) (*drive.File, error) {
	f, err := d.scanFile(q.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE parent_id = ? AND name = ? AND id != ? AND `+liveCond+` ORDER BY id LIMIT 1`, parent, name, exceptID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local drive: look up name %q: %w", name, err)
	}
	return f, nil
}

// freeName finds the first auto_rename alternative of name free in parent.
func (d *Drive) freeName(ctx context.Context, q querier, parent, name string, isFolder bool) (string, error) {
	for n := 1; ; n++ {
		alt := autoRename(name, isFolder, n)
		s, err := d.sibling(ctx, q, parent, alt, "")
		if err != nil || s == nil {
			return alt, err
		}
	}
}

func alreadyExists(parent, name string) *drive.Error {
	return &drive.Error{Status: 409, Code: drive.CodeAlreadyExist, Message: fmt.Sprintf("%q already exists in folder %s", name, parent)}
}

// insertFile adds a row.
func insertFile(ctx context.Context, tx *txn, f *drive.File, trashed int) error {
	starred := 0
	if f.Starred {
		starred = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO files(id, parent_id, name, type, size, sha1, category, ext, status, trashed, starred, created_at, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)`, f.FileID, f.ParentFileID, f.Name, f.Type, f.Size, f.ContentHash,
		f.Category, f.FileExtension, f.Status, trashed, starred, nanos(f.CreatedAt), nanos(f.UpdatedAt))
	if err != nil {
		return fmt.Errorf("local drive: insert %q: %w", f.Name, err)
	}
	return nil
}

// newFileRow builds a row for a new file or folder.
func (d *Drive) newFileRow(parent, name, typ string) *drive.File {
	now := time.Now().UTC()
	f := &drive.File{DriveID: d.opts.DriveID, FileID: newID(), ParentFileID: parent, Name: name, Type: typ,
		Status: openapi.StatusAvailable, CreatedAt: now, UpdatedAt: now}
	if typ == drive.TypeFile {
		f.Category, f.FileExtension, f.ContentHashName = category(name), extension(name), openapi.ContentHashNameSHA1
	}
	return f
}

// CreateFolder creates a folder. With NameRefuse (the default) or
// NameOverwrite an existing folder of that name is returned with Exist=true;
// an existing file of that name is a 409 AlreadyExist.File conflict.
func (d *Drive) CreateFolder(ctx context.Context, parentID, name string, mode drive.CheckNameMode) (*drive.CreateResult, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	if mode == "" {
		mode = drive.NameRefuse
	}
	if err := validMode(mode); err != nil {
		return nil, err
	}
	var res *drive.CreateResult
	err := d.withTx(ctx, func(tx *txn) error {
		var err error
		res, err = d.createFolderTx(ctx, tx, parentID, name, mode)
		return err
	})
	return res, err
}

func (d *Drive) createFolderTx(ctx context.Context, tx *txn, parentID, name string, mode drive.CheckNameMode) (*drive.CreateResult, error) {
	if _, err := d.folder(ctx, tx, parentID); err != nil {
		return nil, err
	}
	if mode != drive.NameIgnore {
		ex, err := d.sibling(ctx, tx, parentID, name, "")
		if err != nil {
			return nil, err
		}
		if ex != nil {
			switch {
			case mode == drive.NameAutoRename:
				if name, err = d.freeName(ctx, tx, parentID, name, true); err != nil {
					return nil, err
				}
			case ex.IsFolder():
				return &drive.CreateResult{File: ex, Exist: true}, nil
			default:
				return nil, alreadyExists(parentID, name)
			}
		}
	}
	f := d.newFileRow(parentID, name, drive.TypeFolder)
	if err := insertFile(ctx, tx, f, 0); err != nil {
		return nil, err
	}
	return &drive.CreateResult{File: f}, nil
}

func validMode(m drive.CheckNameMode) error {
	switch m {
	case drive.NameRefuse, drive.NameAutoRename, drive.NameIgnore, drive.NameOverwrite:
		return nil
	}
	return drive.Invalid("check_name_mode %q is not one of refuse, auto_rename, ignore, overwrite", m)
}

// MkdirAll creates every missing folder of an absolute path in one
// transaction and returns the last one.
func (d *Drive) MkdirAll(ctx context.Context, p string) (*drive.File, error) {
	parts, err := splitPath(p)
	if err != nil {
		return nil, err
	}
	cur := d.root()
	err = d.withTx(ctx, func(tx *txn) error {
		for _, name := range parts {
			res, err := d.createFolderTx(ctx, tx, cur.FileID, name, drive.NameRefuse)
			if err != nil {
				return fmt.Errorf("mkdir %q: %w", p, err)
			}
			cur = res.File
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cur.Path = "/" + strings.Join(parts, "/")
	return cur, nil
}
