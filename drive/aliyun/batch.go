package aliyun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// Batch runs reqs in chunks of ≤ 100. The Open API has no batch call, so by
// default each item is a single call (copy, move, trash or delete), run
// BatchOptions.Concurrency at a time through the rate limiter; with
// Options.UseBatchEndpoint a chunk is one call to openapi.PathBatch (served
// by drive/local) and the client falls back to single calls if the service
// does not know the route. Item failures are results; the error is only for
// the batch as a whole (cancelled context, lost authentication).
func (c *Client) Batch(ctx context.Context, reqs []drive.BatchRequest, o drive.BatchOptions) ([]drive.BatchResult, error) {
	chunk := o.ChunkSize
	if chunk <= 0 || chunk > drive.MaxBatchChunk {
		chunk = drive.MaxBatchChunk
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = 4
	}
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]drive.BatchResult, len(reqs))
	useEndpoint := c.opts.UseBatchEndpoint
	for start := 0; start < len(reqs); start += chunk {
		end := min(start+chunk, len(reqs))
		if useEndpoint {
			err := c.batchEndpoint(ctx, did, reqs[start:end], out[start:end], start)
			if isUnknownRoute(err) {
				useEndpoint = false
			} else if err != nil {
				return nil, err
			}
		}
		if !useEndpoint {
			if err := c.batchSingles(ctx, reqs[start:end], out[start:end], start, conc); err != nil {
				return nil, err
			}
		}
		if o.Progress != nil {
			o.Progress(end, len(reqs))
		}
	}
	return out, nil
}

// batchSingles runs one chunk as single calls with bounded concurrency.
func (c *Client) batchSingles(ctx context.Context, reqs []drive.BatchRequest, out []drive.BatchResult, base, conc int) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		fatal atomic.Pointer[error]
	)
	for w := 0; w < min(conc, len(reqs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(reqs) || fatal.Load() != nil {
					return
				}
				res, err := c.batchOne(ctx, reqs[i])
				if err != nil && (ctx.Err() != nil || isAuthLost(err)) {
					fatal.CompareAndSwap(nil, &err)
					return
				}
				res.ID = itemID(reqs[i], base+i)
				out[i] = res
			}
		}()
	}
	wg.Wait()
	if p := fatal.Load(); p != nil {
		return fmt.Errorf("batch: %w", *p)
	}
	return nil
}

// isAuthLost reports an authentication failure that no retry can fix.
func isAuthLost(err error) bool {
	var de *drive.Error
	if errors.As(err, &de) {
		return de.Status == http.StatusUnauthorized
	}
	return errors.Is(err, drive.ErrAuth)
}

func itemID(r drive.BatchRequest, i int) string {
	if r.ID != "" {
		return r.ID
	}
	return strconv.Itoa(i)
}

// batchOne runs one item; an item failure is a result, a returned error is
// a cancelled context or lost authentication.
func (c *Client) batchOne(ctx context.Context, r drive.BatchRequest) (drive.BatchResult, error) {
	var (
		res drive.BatchResult
		err error
	)
	switch r.Op {
	case drive.OpCopy:
		mode := r.CheckNameMode
		var m *drive.MoveResult
		m, err = c.Copy(ctx, r.FileID, r.ToParentID, drive.CopyOptions{NewName: r.NewName,
			AutoRename: mode == "" || mode == drive.NameAutoRename})
		if err == nil {
			res = drive.BatchResult{Status: http.StatusCreated, FileID: m.FileID}
		}
	case drive.OpMove:
		var m *drive.MoveResult
		m, err = c.Move(ctx, r.FileID, r.ToParentID, drive.MoveOptions{NewName: r.NewName, CheckNameMode: r.CheckNameMode})
		if err == nil {
			res = drive.BatchResult{Status: http.StatusOK, FileID: m.FileID}
			if m.Exist {
				res = drive.BatchResult{Status: http.StatusConflict, FileID: m.FileID,
					Error: &drive.Error{Status: http.StatusConflict, Code: drive.CodeAlreadyExist, Message: "the target folder already has that name"}}
			}
		}
	case drive.OpTrash:
		if err = c.Trash(ctx, r.FileID); err == nil {
			res = drive.BatchResult{Status: http.StatusNoContent, FileID: r.FileID}
		}
	case drive.OpDelete:
		if err = c.Delete(ctx, r.FileID); err == nil {
			res = drive.BatchResult{Status: http.StatusNoContent, FileID: r.FileID}
		}
	default:
		e := drive.Invalid("unknown batch op %q (want copy, move, trash or delete)", r.Op)
		return drive.BatchResult{Status: e.Status, Error: e}, nil
	}
	if err != nil {
		if ctx.Err() != nil || isAuthLost(err) {
			return res, err
		}
		return errorResult(err), nil
	}
	return res, nil
}

// errorResult makes an item result of err.
func errorResult(err error) drive.BatchResult {
	var de *drive.Error
	if !errors.As(err, &de) {
		de = &drive.Error{Status: http.StatusServiceUnavailable, Code: drive.CodeServiceUnavailable, Message: err.Error()}
	}
	st := de.Status
	if st == 0 {
		st = http.StatusBadRequest
	}
	return drive.BatchResult{Status: st, Error: de}
}

// batchEndpoint runs one chunk as a single openapi.PathBatch call.
func (c *Client) batchEndpoint(ctx context.Context, did string, reqs []drive.BatchRequest, out []drive.BatchResult, base int) error {
	body := openapi.BatchRequest{Resource: "file", Requests: make([]openapi.BatchSubJSON, 0, len(reqs))}
	bad := map[int]bool{}
	for i, r := range reqs {
		var (
			url string
			sub any
		)
		switch r.Op {
		case drive.OpCopy:
			mode := r.CheckNameMode
			url, sub = openapi.BatchURLCopy, openapi.CopyRequest{DriveID: did, FileID: r.FileID, ToParentFileID: r.ToParentID,
				NewName: r.NewName, AutoRename: mode == "" || mode == drive.NameAutoRename, CheckNameMode: mode}
		case drive.OpMove:
			url, sub = openapi.BatchURLMove, openapi.MoveRequest{DriveID: did, FileID: r.FileID, ToParentFileID: r.ToParentID,
				NewName: r.NewName, CheckNameMode: r.CheckNameMode}
		case drive.OpTrash:
			url, sub = openapi.BatchURLTrash, openapi.FileRequest{DriveID: did, FileID: r.FileID}
		case drive.OpDelete:
			url, sub = openapi.BatchURLDelete, openapi.FileRequest{DriveID: did, FileID: r.FileID}
		default:
			e := drive.Invalid("unknown batch op %q (want copy, move, trash or delete)", r.Op)
			out[i] = drive.BatchResult{ID: itemID(r, base+i), Status: e.Status, Error: e}
			bad[i] = true
			continue
		}
		b, err := json.Marshal(sub)
		if err != nil {
			return fmt.Errorf("batch: encode item %d: %w", base+i, err)
		}
		body.Requests = append(body.Requests, openapi.BatchSubJSON{ID: strconv.Itoa(i), Method: http.MethodPost, URL: url,
			Headers: map[string]string{"Content-Type": "application/json"}, Body: b})
	}
	if len(body.Requests) == 0 {
		return nil
	}
	var resp openapi.BatchResponse
	if err := c.call(ctx, openapi.PathBatch, body, &resp, notIdempotent); err != nil {
		if isUnknownRoute(err) || ctx.Err() != nil || isAuthLost(err) {
			return err
		}
		for i, r := range reqs { // the whole chunk failed: each item carries why
			if !bad[i] {
				out[i] = errorResult(err)
				out[i].ID = itemID(r, base+i)
			}
		}
		return nil
	}
	seen := map[int]bool{}
	for _, sr := range resp.Responses {
		i, err := strconv.Atoi(sr.ID)
		if err != nil || i < 0 || i >= len(reqs) || bad[i] {
			continue
		}
		seen[i] = true
		res := drive.BatchResult{ID: itemID(reqs[i], base+i), Status: sr.Status}
		if sr.Status/100 == 2 {
			var fr struct {
				FileID string `json:"file_id"`
				Exist  bool   `json:"exist"`
			}
			_ = json.Unmarshal(sr.Body, &fr)
			res.FileID = fr.FileID
			if res.FileID == "" && reqs[i].Op != drive.OpCopy {
				res.FileID = reqs[i].FileID
			}
			if fr.Exist && reqs[i].Op == drive.OpMove { // refused: as single calls report it
				res.Status = http.StatusConflict
				res.Error = &drive.Error{Status: http.StatusConflict, Code: drive.CodeAlreadyExist, Message: "the target folder already has that name"}
			}
		} else {
			res.Error = decodeError(sr.Status, nil, sr.Body, string(reqs[i].Op)+" "+reqs[i].FileID)
		}
		out[i] = res
	}
	for i, r := range reqs {
		if !bad[i] && !seen[i] {
			e := &drive.Error{Status: http.StatusBadGateway, Code: drive.CodeBadGateway, Message: "the batch answer has no result for this item"}
			out[i] = drive.BatchResult{ID: itemID(r, base+i), Status: e.Status, Error: e}
		}
	}
	return nil
}
