package batch

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/wasmdrive/wasmdrive/drive"
)

// DriveApplier applies items to the account's drive, one call per item, and
// checks the drive first when an item may already have been applied (see
// the package doc).
type DriveApplier struct {
	Drives func(ctx context.Context, account string) (drive.Drive, error)
}

// ApplyChunk applies fresh items with one Drive.Batch call (one request on
// backends with a batch endpoint).
func (a DriveApplier) ApplyChunk(ctx context.Context, account string, items []drive.BatchRequest) ([]drive.BatchResult, error) {
	d, err := a.Drives(ctx, account)
	if err != nil {
		return nil, err
	}
	res, err := d.Batch(ctx, items, drive.BatchOptions{})
	if err != nil {
		return nil, fmt.Errorf("batch: apply chunk: %w", err)
	}
	return res, nil
}

// Apply applies one item.
func (a DriveApplier) Apply(ctx context.Context, account string, it drive.BatchRequest, maybe bool) drive.BatchResult {
	res := drive.BatchResult{ID: it.ID}
	d, err := a.Drives(ctx, account)
	if err != nil {
		return fail(res, err)
	}
	switch it.Op {
	case drive.OpCopy:
		// A redone copy must not auto-rename: an existing target with the
		// item's name is the earlier attempt's copy.
		auto := it.CheckNameMode == drive.NameAutoRename && !maybe
		r, err := d.Copy(ctx, it.FileID, it.ToParentID, drive.CopyOptions{NewName: it.NewName, AutoRename: auto})
		switch {
		case maybe && errors.Is(err, drive.ErrAlreadyExists):
			res.Status = http.StatusOK
		case err != nil:
			return fail(res, err)
		case r.Exist:
			res.Status, res.FileID = http.StatusOK, r.FileID
		default:
			res.Status, res.FileID = http.StatusCreated, r.FileID
		}
	case drive.OpMove:
		if maybe {
			if f, err := d.Get(ctx, it.FileID); err == nil && f.ParentFileID == it.ToParentID {
				res.Status, res.FileID = http.StatusOK, f.FileID
				return res
			}
		}
		r, err := d.Move(ctx, it.FileID, it.ToParentID, drive.MoveOptions{NewName: it.NewName, CheckNameMode: it.CheckNameMode})
		if err != nil {
			return fail(res, err)
		}
		res.Status, res.FileID = http.StatusOK, r.FileID
	case drive.OpTrash:
		if maybe {
			if f, err := d.Get(ctx, it.FileID); err == nil && f.Trashed || errors.Is(err, drive.ErrNotFound) {
				res.Status = http.StatusNoContent
				return res
			}
		}
		if err := d.Trash(ctx, it.FileID); err != nil {
			return fail(res, err)
		}
		res.Status = http.StatusNoContent
	case drive.OpDelete:
		if err := d.Delete(ctx, it.FileID); err != nil {
			if maybe && errors.Is(err, drive.ErrNotFound) {
				res.Status = http.StatusNoContent
				return res
			}
			return fail(res, err)
		}
		res.Status = http.StatusNoContent
	default:
		return fail(res, fmt.Errorf("unknown batch op %q (want copy, move, trash or delete)", it.Op))
	}
	return res
}

func fail(res drive.BatchResult, err error) drive.BatchResult {
	var de *drive.Error
	if !errors.As(err, &de) {
		de = &drive.Error{Code: "InternalError", Message: err.Error(), Status: http.StatusInternalServerError}
	}
	res.Status, res.Error = de.Status, de
	if res.Status == 0 {
		res.Status = http.StatusInternalServerError
	}
	return res
}
