package local

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// batch answers the batch extension: up to openapi.MaxBatch sub-requests in
// one transaction, one response each (HTTP 200 overall).
func (s *Server) batch(ctx context.Context, r *openapi.BatchRequest) (any, error) {
	if n := len(r.Requests); n > openapi.MaxBatch {
		return nil, drive.Invalid("a batch carries at most %d requests, not %d: split it", openapi.MaxBatch, n)
	}
	items := make([]batchItem, len(r.Requests))
	pre := make([]*drive.Error, len(r.Requests)) // items refused before running
	for i, sub := range r.Requests {
		it, err := decodeSub(sub)
		if err != nil {
			pre[i] = asDriveError(err)
			it = batchItem{BatchRequest: drive.BatchRequest{Op: "invalid"}}
		}
		it.ID = sub.ID
		items[i] = it
	}
	res, err := s.d.batchChunk(ctx, items)
	if err != nil {
		return nil, err
	}
	out := openapi.BatchResponse{Responses: make([]openapi.BatchSubResponse, len(res))}
	for i, r := range res {
		sr := openapi.BatchSubResponse{ID: r.ID, Status: r.Status}
		var body any
		switch {
		case pre[i] != nil:
			sr.Status = pre[i].Status
			body = openapi.ErrorBody{Code: pre[i].Code, Message: pre[i].Message}
		case r.Error != nil:
			body = openapi.ErrorBody{Code: r.Error.Code, Message: r.Error.Message}
		case r.file != nil:
			body = r.file
		case r.Status != 204:
			body = openapi.CopyResponse{DriveID: s.d.opts.DriveID, FileID: r.FileID}
		}
		if body != nil {
			sr.Body, _ = json.Marshal(body)
		}
		out.Responses[i] = sr
	}
	return out, nil
}

// decodeSub turns one sub-request into a batch item.
func decodeSub(sub openapi.BatchSubJSON) (batchItem, error) {
	var it batchItem
	var err error
	switch sub.URL {
	case openapi.BatchURLGet, openapi.BatchURLTrash, openapi.BatchURLDelete, openapi.BatchURLRestore:
		var b openapi.FileRequest
		err = json.Unmarshal(sub.Body, &b)
		it.FileID = b.FileID
		it.Op = map[string]drive.BatchOp{openapi.BatchURLGet: opGet, openapi.BatchURLTrash: drive.OpTrash,
			openapi.BatchURLDelete: drive.OpDelete, openapi.BatchURLRestore: opRestore}[sub.URL]
	case openapi.BatchURLMove:
		var b openapi.MoveRequest
		err = json.Unmarshal(sub.Body, &b)
		it.Op, it.FileID, it.ToParentID, it.NewName, it.CheckNameMode = drive.OpMove, b.FileID, b.ToParentFileID, b.NewName, b.CheckNameMode
	case openapi.BatchURLCopy:
		var b openapi.CopyRequest
		err = json.Unmarshal(sub.Body, &b)
		it.Op, it.FileID, it.ToParentID, it.NewName = drive.OpCopy, b.FileID, b.ToParentFileID, b.NewName
		it.CheckNameMode = copyMode(b.AutoRename, b.CheckNameMode)
	case openapi.BatchURLUpdate:
		var b openapi.UpdateRequest
		err = json.Unmarshal(sub.Body, &b)
		it.Op, it.FileID = opUpdate, b.FileID
		it.update = drive.UpdateOptions{Starred: b.Starred, CheckNameMode: b.CheckNameMode}
		if b.Name != "" {
			it.update.Name = &b.Name
		}
	case openapi.BatchURLCancel:
		var b openapi.ShareCancelRequest
		err = json.Unmarshal(sub.Body, &b)
		it.Op, it.shareID = opCancel, b.ShareID
	default:
		return it, drive.Invalid("batch url %q is not supported", sub.URL)
	}
	if err != nil {
		return it, &drive.Error{Status: 400, Code: drive.CodeInvalidRequestBody, Message: fmt.Sprintf("batch item %s: %v", sub.ID, err)}
	}
	return it, nil
}

// addQuery appends key/value pairs to a URL's query.
func addQuery(raw string, kv ...string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
