package local

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Batch runs reqs in chunks of at most drive.MaxBatchChunk, each chunk in
// one transaction with a savepoint per item, so a failed item (404 for a
// missing id, 409 for a name conflict) leaves the others done. Statuses:
// copy 201, move 200, trash and delete 204.
func (d *Drive) Batch(ctx context.Context, reqs []drive.BatchRequest, opts drive.BatchOptions) ([]drive.BatchResult, error) {
	size := opts.ChunkSize
	if size <= 0 || size > drive.MaxBatchChunk {
		size = drive.MaxBatchChunk
	}
	out := make([]drive.BatchResult, 0, len(reqs))
	for start := 0; start < len(reqs); start += size {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		chunk := reqs[start:min(start+size, len(reqs))]
		items := make([]batchItem, len(chunk))
		for i, r := range chunk {
			items[i] = batchItem{BatchRequest: r}
			if items[i].ID == "" {
				items[i].ID = strconv.Itoa(start + i)
			}
		}
		res, err := d.batchChunk(ctx, items)
		if err != nil {
			return out, err
		}
		for _, r := range res {
			out = append(out, r.BatchResult)
		}
		if opts.Progress != nil {
			opts.Progress(len(out), len(reqs))
		}
	}
	return out, nil
}

// Internal batch operations, reachable through the HTTP batch endpoint.
const (
	opGet     drive.BatchOp = "get"
	opUpdate  drive.BatchOp = "update"
	opRestore drive.BatchOp = "restore"
	opCancel  drive.BatchOp = "cancel_share"
)

// batchItem is a batch request with the fields of the internal operations.
type batchItem struct {
	drive.BatchRequest
	update  drive.UpdateOptions // opUpdate
	shareID string              // opCancel
}

// itemResult is a batch result with the file for get and update.
type itemResult struct {
	drive.BatchResult
	file *drive.File
}

// batchChunk runs one chunk in one transaction.
func (d *Drive) batchChunk(ctx context.Context, chunk []batchItem) ([]itemResult, error) {
	var res []itemResult
	var dead []string
	err := d.withTx(ctx, func(tx *txn) error {
		res, dead = res[:0], dead[:0]
		for _, r := range chunk {
			id := r.ID
			if _, err := tx.ExecContext(ctx, `SAVEPOINT item`); err != nil {
				return fmt.Errorf("local drive: batch savepoint: %w", err)
			}
			br, d2, err := d.batchItem(ctx, tx, r)
			br.ID = id
			if err != nil {
				var de *drive.Error
				if !errors.As(err, &de) {
					return fmt.Errorf("local drive: batch item %s: %w", id, err)
				}
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO item`); err != nil {
					return fmt.Errorf("local drive: batch rollback: %w", err)
				}
				br.Status, br.Error = de.Status, de
				if br.Status == 0 {
					br.Status = 400
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE item`); err != nil {
				return fmt.Errorf("local drive: batch release: %w", err)
			}
			dead = append(dead, d2...)
			res = append(res, br)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.removeBlobsIfUnused(ctx, dead)
	return res, nil
}

// batchItem runs one item inside the chunk's transaction.
func (d *Drive) batchItem(ctx context.Context, tx *txn, r batchItem) (itemResult, []string, error) {
	switch r.Op {
	case opGet:
		f, err := d.getFile(ctx, tx, r.FileID)
		return itemResult{BatchResult: drive.BatchResult{Status: 200, FileID: r.FileID}, file: f}, nil, err
	case opUpdate:
		f, dead, err := d.updateTx(ctx, tx, r.FileID, r.update)
		return itemResult{BatchResult: drive.BatchResult{Status: 200, FileID: r.FileID}, file: f}, dead, err
	case opRestore:
		return itemResult{BatchResult: drive.BatchResult{Status: 204, FileID: r.FileID}}, nil, d.restoreTx(ctx, tx, r.FileID)
	case opCancel:
		return itemResult{BatchResult: drive.BatchResult{Status: 204}}, nil, cancelShareTx(ctx, tx, r.shareID)
	case drive.OpCopy:
		mode := r.CheckNameMode
		if mode == "" {
			mode = drive.NameAutoRename
		}
		m, err := d.copyTx(ctx, tx, r.FileID, r.ToParentID, r.NewName, mode)
		if err != nil {
			return itemResult{}, nil, err
		}
		return ok(201, m.FileID), nil, nil
	case drive.OpMove:
		m, dead, err := d.moveTx(ctx, tx, r.FileID, r.ToParentID, r.NewName, r.CheckNameMode)
		if err != nil {
			return itemResult{}, nil, err
		}
		if m.Exist {
			return itemResult{}, nil, alreadyExists(r.ToParentID, r.NewName)
		}
		return ok(200, m.FileID), dead, nil
	case drive.OpTrash:
		return ok(204, r.FileID), nil, d.trashTx(ctx, tx, r.FileID)
	case drive.OpDelete:
		dead, err := d.deleteTx(ctx, tx, r.FileID)
		return ok(204, r.FileID), dead, err
	}
	return itemResult{}, nil, drive.Invalid("batch op %q is not copy, move, trash or delete", r.Op)
}

func ok(status int, fileID string) itemResult {
	return itemResult{BatchResult: drive.BatchResult{Status: status, FileID: fileID}}
}
