package hostfuncs

import (
	"context"
	"errors"
	"strconv"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// driveBatch runs many copy/move/trash/delete items in one host call. Every
// item is checked against the grant like its single-call counterpart;
// refused items get status 403 and code permission_denied while the others
// run. One audit record covers the batch (count, ids, result), and one more
// each refused item.
func driveBatch(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.BatchRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnDriveBatch, Count: len(req.Items)}
	defer func() { env.audit(ctx, rec, err) }()
	if len(req.Items) > abi.MaxBatchItems {
		return nil, badArg("batch of %d items exceeds %d; split it", len(req.Items), abi.MaxBatchItems)
	}
	if req.ChunkSize > drive.MaxBatchChunk {
		req.ChunkSize = drive.MaxBatchChunk
	}
	out := make([]abi.BatchItemResult, len(req.Items))
	reqs := make([]drive.BatchRequest, 0, len(req.Items))
	index := make([]int, 0, len(req.Items)) // reqs[i] is item index[i]
	for i, it := range req.Items {
		id := it.ID
		if id == "" {
			id = strconv.Itoa(i)
		}
		out[i].ID = id
		if cerr := env.checkBatchItem(ctx, it); cerr != nil {
			if errors.Is(cerr, ErrPermission) {
				env.auditDenial(ctx, abi.FnDriveBatch, cerr)
			}
			out[i].Status, out[i].Code = statusOf(cerr), Code(cerr)
			out[i].Error = &abi.DriveError{Status: out[i].Status, Code: driveCodeOf(out[i].Status), Message: cerr.Error()}
			continue
		}
		reqs = append(reqs, batchRequest(id, it))
		index = append(index, i)
	}
	rec.FileIDs = batchIDs(reqs)
	if len(reqs) > 0 {
		opts := drive.BatchOptions{ChunkSize: req.ChunkSize, Concurrency: req.Concurrency}
		run := env.Drive.Batch
		if env.Batcher != nil {
			run = env.Batcher.Batch
		}
		defer env.forgetPaths()
		results, err := run(ctx, reqs, opts)
		if err != nil {
			return nil, err
		}
		for j, r := range results {
			if j >= len(index) {
				break
			}
			batchItemResult(&out[index[j]], r)
		}
	}
	return &abi.BatchResponse{Results: out}, nil
}

// batchRequest is the drive request of batch item it (whose id is id).
func batchRequest(id string, it abi.BatchItem) drive.BatchRequest {
	return drive.BatchRequest{ID: id, Op: drive.BatchOp(it.Op), FileID: it.FileID,
		ToParentID: it.ToParentID, NewName: it.NewName, CheckNameMode: drive.CheckNameMode(it.CheckNameMode)}
}

// batchItemResult sets o (whose ID the host already chose) to the outcome r.
func batchItemResult(o *abi.BatchItemResult, r drive.BatchResult) {
	o.Status, o.FileID = r.Status, r.FileID
	if r.Error != nil {
		o.Error = driveError(r.Error)
		o.Code = Code(r.Error)
	}
}

// driveError is e's wire form.
func driveError(e *drive.Error) *abi.DriveError {
	return &abi.DriveError{Status: e.Status, Code: e.Code, Message: e.Message, RequestID: e.RequestID}
}

// checkBatchItem applies the single-call rules to one batch item.
func (e *Env) checkBatchItem(ctx context.Context, it abi.BatchItem) error {
	switch it.Op {
	case abi.OpCopy:
		_, _, err := e.checkTransfer(ctx, DriveRead, it.FileID, it.ToParentID)
		return err
	case abi.OpMove:
		_, _, err := e.checkTransfer(ctx, DriveWrite, it.FileID, it.ToParentID)
		return err
	case abi.OpTrash, abi.OpDelete:
		if it.FileID == drive.RootID {
			return badArg("the root folder cannot be removed")
		}
		_, err := e.checkID(ctx, DriveDelete, it.FileID)
		return err
	}
	return badArg("batch op %q is not one of copy, move, trash, delete", it.Op)
}

// statusOf gives an HTTP-style status for a refused batch item.
func statusOf(err error) int {
	switch Code(err) {
	case abi.CodePermissionDenied:
		return 403
	case abi.CodeNotFound:
		return 404
	case abi.CodeInvalidArgument:
		return 400
	}
	return 500
}

// driveCodeOf gives the Open API code for a refused item's status.
func driveCodeOf(status int) string {
	switch status {
	case 403:
		return drive.CodePermissionDenied
	case 404:
		return drive.CodeNotFoundFile
	case 400:
		return drive.CodeInvalidParameter
	}
	return drive.CodeInternalError
}

// batchIDs lists the file ids of a batch for the audit record (capped).
func batchIDs(reqs []drive.BatchRequest) []string {
	const maxIDs = 1000
	n := min(len(reqs), maxIDs)
	ids := make([]string, n)
	for i := range n {
		ids[i] = reqs[i].FileID
	}
	return ids
}
