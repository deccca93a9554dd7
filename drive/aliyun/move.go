package aliyun

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// Move moves a file into toParentID; with o.NewName it ends up under that
// name. The Open API's move takes new_name only as the name to use when the
// target already holds one (REFERENCE.md, move: iOS MoveFile.swift,
// tickstep-api FileMoveParam), so a move with a new name is two checked
// steps: move then rename, or, when the old name is taken at the target,
// rename then move. A failed second step undoes the first. With refuse (the
// default; always sent, since sources disagree on the service's default) a
// taken name answers Exist and changes nothing.
func (c *Client) Move(ctx context.Context, fileID, toParentID string, o drive.MoveOptions) (*drive.MoveResult, error) {
	mode := o.CheckNameMode
	if mode == "" || mode == drive.NameOverwrite {
		mode = drive.NameRefuse
	}
	if o.NewName == "" {
		return c.moveOnce(ctx, fileID, toParentID, mode)
	}
	src, err := c.Get(ctx, fileID)
	if err != nil {
		return nil, fmt.Errorf("move %s: %w", fileID, err)
	}
	if src.ParentFileID == toParentID { // a rename in place
		return c.renameTo(ctx, src, o.NewName, mode)
	}
	if src.Name == o.NewName {
		return c.moveOnce(ctx, fileID, toParentID, mode)
	}
	r, err := c.moveOnce(ctx, fileID, toParentID, drive.NameRefuse)
	if err != nil {
		return nil, err
	}
	if !r.Exist { // moved under the old name: rename it at the target
		res, err := c.renameTo(ctx, src, o.NewName, mode)
		if err == nil && !res.Exist {
			return res, nil
		}
		if _, uerr := c.moveOnce(ctx, fileID, src.ParentFileID, drive.NameRefuse); uerr != nil {
			return nil, fmt.Errorf("move %q: renaming it to %q failed (%v) and it stays in the target folder under its old name: %w",
				src.Name, o.NewName, err, uerr)
		}
		return res, err
	}
	// The old name is taken at the target: rename in place, then move.
	res, err := c.renameTo(ctx, src, o.NewName, drive.NameRefuse)
	if err != nil || res.Exist {
		return res, err
	}
	r, err = c.moveOnce(ctx, fileID, toParentID, mode)
	if err != nil || r.Exist {
		if _, uerr := c.renameTo(ctx, &drive.File{FileID: fileID, Name: o.NewName}, src.Name, drive.NameRefuse); uerr != nil {
			return nil, fmt.Errorf("move %q: the move failed (%v) and the file keeps the new name %q in its folder: %w",
				src.Name, err, o.NewName, uerr)
		}
	}
	return r, err
}

// moveOnce is one move call with an explicit check_name_mode, waiting for
// its asynchronous task.
func (c *Client) moveOnce(ctx context.Context, fileID, toParentID string, mode drive.CheckNameMode) (*drive.MoveResult, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	req := openapi.MoveRequest{DriveID: did, FileID: fileID, ToParentFileID: toParentID, CheckNameMode: mode}
	var r openapi.MoveResponse
	if err := c.call(ctx, openapi.PathMove, req, &r, notIdempotent); err != nil {
		return nil, err
	}
	if err := c.waitTask(ctx, openapi.PathMove, r.AsyncTaskID); err != nil {
		return nil, err
	}
	return &drive.MoveResult{FileID: r.FileID, Exist: r.Exist}, nil
}

// renameTo renames f to name with mode; a name refused as taken answers
// Exist, like a refused move.
func (c *Client) renameTo(ctx context.Context, f *drive.File, name string, mode drive.CheckNameMode) (*drive.MoveResult, error) {
	if f.Name == name {
		return &drive.MoveResult{FileID: f.FileID}, nil
	}
	g, err := c.Update(ctx, f.FileID, drive.UpdateOptions{Name: &name, CheckNameMode: mode})
	if errors.Is(err, drive.ErrAlreadyExists) && mode == drive.NameRefuse {
		return &drive.MoveResult{FileID: f.FileID, Exist: true}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rename %q to %q: %w", f.Name, name, err)
	}
	if mode == drive.NameRefuse && (g.FileID != "" && g.FileID != f.FileID || g.Name != "" && g.Name != name) {
		return &drive.MoveResult{FileID: f.FileID, Exist: true}, nil // refused without an error
	}
	return &drive.MoveResult{FileID: f.FileID}, nil
}

// Copy copies a file or folder into toParentID, as o.NewName when set. The
// Open API's copy has no new_name and no check_name_mode, and its
// auto_rename defaults to false, which allows duplicate names (REFERENCE.md,
// copy: iOS CopyFile.swift, tickstep-api FileCopyParam). So the client
// always copies with auto_rename (never a duplicate, even when racing
// another writer), checks the name the copy got, and renames it; without
// o.AutoRename a taken name removes the copy again and fails with
// AlreadyExist. A folder's name is checked before copying, since copying a
// tree only to delete it is expensive.
func (c *Client) Copy(ctx context.Context, fileID, toParentID string, o drive.CopyOptions) (*drive.MoveResult, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	src, err := c.Get(ctx, fileID)
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", fileID, err)
	}
	want := src.Name
	if o.NewName != "" {
		want = o.NewName
	}
	if !o.AutoRename {
		if toParentID == src.ParentFileID && want == src.Name {
			return nil, errCopyTaken(want)
		}
		if src.IsFolder() {
			if _, err := c.findChild(ctx, toParentID, want); err == nil {
				return nil, errCopyTaken(want)
			} else if !errors.Is(err, drive.ErrNotFound) {
				return nil, fmt.Errorf("copy %q: look for %q in the target: %w", src.Name, want, err)
			}
		}
	}
	req := openapi.CopyRequest{DriveID: did, FileID: fileID, ToParentFileID: toParentID, AutoRename: true}
	var r openapi.CopyResponse
	if err := c.call(ctx, openapi.PathCopy, req, &r, notIdempotent); err != nil {
		return nil, err
	}
	if err := c.waitTask(ctx, openapi.PathCopy, r.AsyncTaskID); err != nil {
		return nil, err
	}
	cp, err := c.Get(ctx, r.FileID)
	if err != nil {
		return nil, fmt.Errorf("copy %q: read the copy %s: %w", src.Name, r.FileID, err)
	}
	if cp.Name == want {
		return &drive.MoveResult{FileID: r.FileID}, nil
	}
	mode := drive.NameRefuse
	if o.AutoRename {
		mode = drive.NameAutoRename
	}
	if o.NewName == "" && o.AutoRename { // the service picked a free name
		return &drive.MoveResult{FileID: r.FileID}, nil
	}
	res, err := c.renameTo(ctx, cp, want, mode)
	if err == nil && !res.Exist {
		return &drive.MoveResult{FileID: r.FileID}, nil
	}
	if derr := c.Delete(ctx, r.FileID); derr != nil {
		return nil, fmt.Errorf("copy %q: %q is taken and the copy, stored as %q, could not be removed: %w", src.Name, want, cp.Name, derr)
	}
	if err != nil {
		return nil, fmt.Errorf("copy %q: %w", src.Name, err)
	}
	return nil, errCopyTaken(want)
}

// errCopyTaken is the refusal of a copy onto a taken name.
func errCopyTaken(name string) *drive.Error {
	return &drive.Error{Status: http.StatusConflict, Code: drive.CodeAlreadyExist,
		Message: fmt.Sprintf("%q already exists in the target folder (copy with auto_rename to keep both)", name)}
}
