package aliyun

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// resume continues req.Resume: it lists the parts the service holds and
// sends only the others.
func (c *Client) resume(ctx context.Context, req drive.UploadRequest) (*drive.UploadResult, error) {
	sess := *req.Resume
	if sess.Size != req.Size {
		return nil, &drive.Error{Status: 400, Code: drive.CodeNotFoundUploadID,
			Message: fmt.Sprintf("the saved session is for %d bytes, the file now has %d", sess.Size, req.Size)}
	}
	if sess.PartSize <= 0 {
		want := req.PartSize
		if want <= 0 {
			want = autoPartSize(req.Size)
		}
		sess.PartSize = openapi.PartSize(req.Size, want)
	}
	held, err := c.uploadedParts(ctx, sess)
	if err != nil {
		return nil, err
	}
	if req.OnSession != nil {
		req.OnSession(sess)
	}
	res, err := c.sendAndComplete(ctx, req, sess, map[int]string{}, &held, openapi.NormalizeHash(req.ContentHash), true)
	if err != nil {
		return nil, fmt.Errorf("resume upload %q: %w", req.Name, err)
	}
	if req.CheckNameMode == drive.NameOverwrite && res.File != nil && res.File.Name != req.Name {
		return c.finishOverwrite(ctx, req, res)
	}
	return res, nil
}

// finishOverwrite completes an emulated overwrite (uploadOverwrite) whose
// upload was resumed: its session stored the content under a free name,
// so the old file is trashed and the new one renamed into place.
func (c *Client) finishOverwrite(ctx context.Context, req drive.UploadRequest, res *drive.UploadResult) (*drive.UploadResult, error) {
	old, err := c.findChild(ctx, req.ParentFileID, req.Name)
	switch {
	case err == nil && old.IsFolder():
		return nil, &drive.Error{Status: 409, Code: drive.CodeAlreadyExist,
			Message: fmt.Sprintf("%q is a folder; overwrite replaces files only (the new content is stored as %q)", req.Name, res.File.Name)}
	case err == nil:
		if err := c.Trash(ctx, old.FileID); err != nil && !errors.Is(err, drive.ErrNotFound) {
			return nil, fmt.Errorf("resume upload %q (overwrite): the new content is stored as %q but the old file could not be trashed: %w",
				req.Name, res.File.Name, err)
		}
	case !errors.Is(err, drive.ErrNotFound):
		return nil, fmt.Errorf("resume upload %q (overwrite): find the old file: %w", req.Name, err)
	}
	name := req.Name
	f, err := c.Update(ctx, res.File.FileID, drive.UpdateOptions{Name: &name, CheckNameMode: drive.NameRefuse})
	if err != nil {
		return nil, fmt.Errorf("resume upload %q (overwrite): the new content is stored as %q: rename: %w", req.Name, res.File.Name, err)
	}
	res.File = f
	return res, nil
}

// heldParts is what listUploadedParts says of a session: the parts it holds
// with the expected size, and whether it grants parallel upload.
type heldParts struct {
	done     map[int]bool
	parallel bool
}

// uploadedParts lists the parts of a session the service already holds
// with the expected size, and its parallelUpload grant.
func (c *Client) uploadedParts(ctx context.Context, sess drive.UploadSession) (heldParts, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return heldParts{}, err
	}
	done := map[int]bool{}
	parallel := false
	marker := ""
	for range 10000 {
		var r openapi.ListUploadedPartsResponse
		req := openapi.ListUploadedPartsRequest{DriveID: did, FileID: sess.FileID, UploadID: sess.UploadID, PartNumberMarker: marker}
		if err := c.call(ctx, openapi.PathListUploadedParts, req, &r, idempotent); err != nil {
			return heldParts{}, err
		}
		parallel = parallel || r.ParallelUpload
		for _, up := range r.UploadedParts {
			if _, n := openapi.PartRange(up.PartNumber, sess.Size, sess.PartSize); up.PartSize == 0 || up.PartSize == n {
				done[up.PartNumber] = true
			}
		}
		if r.NextPartNumberMarker == "" || r.NextPartNumberMarker == marker {
			return heldParts{done, parallel}, nil
		}
		marker = r.NextPartNumberMarker
	}
	return heldParts{done, parallel}, nil
}

// partsAtOnce is how many parts of one file go at once: PartConcurrency
// when the service grants parallel upload, else 1. Without the grant the
// real service wants parts in order (REFERENCE.md, upload part:
// listUploadedParts parallelUpload in tickstep-api file_upload_api.go and
// iOS ListUploadedParts.swift; alist uploads parts one by one). The speed of
// big transfers comes from several files at once (Batch, `drive put -j`).
func (c *Client) partsAtOnce(h heldParts) int {
	if h.parallel {
		return c.partConc
	}
	return 1
}

// sendMissing lists the parts the service holds and sends the missing
// ones, until it holds all n (bounded by the attempt count).
func (c *Client) sendMissing(ctx context.Context, s *partSet, n int, content io.ReaderAt, prog *progressSink) error {
	for attempt := 1; attempt <= c.maxAttempts; attempt++ {
		held, err := c.uploadedParts(ctx, s.sess)
		if err != nil {
			return fmt.Errorf("list uploaded parts: %w", err)
		}
		var missing []int
		for p := 1; p <= n; p++ {
			if !held.done[p] {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if err := c.sleep(ctx, backoff(attempt, c.backoffBase, c.backoffMax)); err != nil {
			return err
		}
		s.mu.Lock()
		for _, p := range missing {
			s.pending[p] = true
		}
		s.mu.Unlock()
		if _, err := c.sendParts(ctx, s, missing, content, prog, c.partsAtOnce(held)); err != nil {
			return err
		}
	}
	return fmt.Errorf("the service still lacks parts after %d rounds of resending them", c.maxAttempts)
}
