package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// InProcessPartSize is the default part size of in-process uploads: there
// is no network to retry over, so parts are larger than the API's 10 MiB
// and fewer fsyncs are needed (each part is made durable before it is
// recorded, so an interrupted upload resumes after its last part).
const InProcessPartSize = 64 << 20

// Upload stores a file in process with the same steps an Open API client
// takes: pre_hash, then content_hash for a rapid upload when the pre-hash
// matches, else a multipart session whose parts are hashed while written
// (the content is read once). With req.Resume it continues a session,
// writing only the parts the drive does not hold; a session the drive no
// longer knows (finished, or dropped after Options.SessionTTL) starts a new
// upload.
//
// The name mode defaults to refuse; an existing name then fails with 409
// AlreadyExist.File (nothing is uploaded).
func (d *Drive) Upload(ctx context.Context, req drive.UploadRequest) (*drive.UploadResult, error) {
	if req.Content == nil && req.Size > 0 {
		return nil, drive.Invalid("upload %q: no content", req.Name)
	}
	if req.Resume != nil {
		res, err := d.resumeUpload(ctx, req)
		var de *drive.Error
		if err == nil || !errors.As(err, &de) || de.Code != drive.CodeNotFoundUploadID {
			return res, err
		}
		d.log.Info("local drive: upload session gone, starting a new one", "name", req.Name, "err", err)
		req.Resume = nil
	}
	if req.PartSize <= 0 {
		req.PartSize = InProcessPartSize
	}
	cr := CreateFileRequest{ParentFileID: req.ParentFileID, Name: req.Name, Size: req.Size, Mode: req.CheckNameMode,
		PartSize: req.PartSize, ContentHash: req.ContentHash}
	if cr.ContentHash == "" {
		pre, err := openapi.PreHash(req.Content, req.Size)
		if err != nil {
			return nil, err
		}
		cr.PreHash = pre
	}
	res, err := d.CreateFile(ctx, cr)
	var de *drive.Error
	if errors.As(err, &de) && de.Code == drive.CodePreHashMatched {
		sum, herr := hashReaderAt(req.Content, req.Size)
		if herr != nil {
			return nil, herr
		}
		cr.PreHash, cr.ContentHash = "", sum
		res, err = d.CreateFile(ctx, cr)
	}
	if err != nil {
		return nil, fmt.Errorf("upload %q: %w", req.Name, err)
	}
	switch {
	case res.Exist:
		return nil, alreadyExists(req.ParentFileID, req.Name)
	case res.RapidUpload:
		return &drive.UploadResult{File: res.File, RapidUpload: true}, nil
	}
	sess := drive.UploadSession{FileID: res.File.FileID, UploadID: res.UploadID, PartSize: res.PartSize, Size: req.Size}
	if req.OnSession != nil {
		req.OnSession(sess)
	}
	return d.sendParts(ctx, req, sess, nil, false)
}

func (d *Drive) resumeUpload(ctx context.Context, req drive.UploadRequest) (*drive.UploadResult, error) {
	s := *req.Resume
	if s.Size != req.Size {
		return nil, &drive.Error{Status: 400, Code: drive.CodeNotFoundUploadID,
			Message: fmt.Sprintf("the saved session is for %d bytes, the file now has %d", s.Size, req.Size)}
	}
	parts, err := d.UploadedParts(ctx, s.UploadID)
	if err != nil {
		return nil, fmt.Errorf("resume upload %q: %w", req.Name, err)
	}
	have := map[int]bool{}
	for _, p := range parts {
		have[p.PartNumber] = true
	}
	return d.sendParts(ctx, req, s, have, true)
}

// sendParts writes the parts not in have, then completes the upload.
func (d *Drive) sendParts(ctx context.Context, req drive.UploadRequest, s drive.UploadSession, have map[int]bool, resumed bool) (*drive.UploadResult, error) {
	var sent int64
	for p := 1; p <= openapi.PartCount(s.Size, s.PartSize); p++ {
		if have[p] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		off, n := openapi.PartRange(p, s.Size, s.PartSize)
		if _, err := d.WritePart(ctx, s.UploadID, p, io.NewSectionReader(req.Content, off, n), n); err != nil {
			return nil, fmt.Errorf("upload %q: part %d: %w", req.Name, p, err)
		}
		sent += n
		if req.Progress != nil {
			req.Progress(sent)
		}
	}
	f, err := d.Complete(ctx, s.FileID, s.UploadID)
	if err != nil {
		return nil, fmt.Errorf("upload %q: %w", req.Name, err)
	}
	return &drive.UploadResult{File: f, BytesSent: sent, Resumed: resumed}, nil
}

func hashReaderAt(r io.ReaderAt, size int64) (string, error) {
	h, _ := restoreSHA1(nil)
	if _, err := io.CopyBuffer(h, io.NewSectionReader(r, 0, size), make([]byte, 1<<20)); err != nil {
		return "", fmt.Errorf("hash content: %w", err)
	}
	return fmt.Sprintf("%X", h.Sum(nil)), nil
}

// Download streams bytes [offset, offset+length) of a file (length < 0: to
// the end). A read of the whole file checks its SHA-1: a mismatch fails the
// last read and marks the blob bad, so uploading the content again repairs
// it.
func (d *Drive) Download(ctx context.Context, fileID string, offset, length int64) (io.ReadCloser, error) {
	f, err := d.downloadable(ctx, fileID)
	if err != nil {
		return nil, err
	}
	if offset < 0 || offset > f.Size {
		return nil, drive.Invalid("offset %d is outside the file's %d bytes", offset, f.Size)
	}
	if length < 0 || offset+length > f.Size {
		length = f.Size - offset
	}
	b, err := d.openContent(f)
	if err != nil {
		return nil, err
	}
	var r io.Reader = io.NewSectionReader(b, offset, length)
	if offset == 0 && length == f.Size {
		r = newVerifier(d, f, io.NewSectionReader(b, 0, length)) // a whole read checks the SHA-1
	}
	return struct {
		io.Reader
		io.Closer
	}{r, b}, nil
}

// downloadable returns a file whose content can be read.
func (d *Drive) downloadable(ctx context.Context, fileID string) (*drive.File, error) {
	f, err := d.Get(ctx, fileID)
	if err != nil {
		return nil, err
	}
	if f.IsFolder() {
		return nil, &drive.Error{Status: 400, Code: drive.CodeFileTypeFolder, Message: fmt.Sprintf("%s is a folder: only files can be downloaded", fileID)}
	}
	if f.Status != openapi.StatusAvailable {
		return nil, &drive.Error{Status: 400, Code: drive.CodeNotFoundFile, Message: fmt.Sprintf("file %s is still uploading", fileID)}
	}
	return f, nil
}

// DownloadURL returns a signed URL of the file's content, valid for expire
// (default 900 s, at most 4 h). Its host is the server's public URL
// (SetPublicURL; NewServer sets it), else the URL is a path only.
func (d *Drive) DownloadURL(ctx context.Context, fileID string, expire time.Duration) (*drive.DownloadURL, error) {
	f, err := d.downloadable(ctx, fileID)
	if err != nil {
		return nil, err
	}
	if expire <= 0 {
		expire = openapi.DefaultDownloadExpireSec * time.Second
	}
	if expire > openapi.MaxDownloadExpireSec*time.Second {
		return nil, drive.Invalid("expire_sec %d exceeds %d", int(expire.Seconds()), openapi.MaxDownloadExpireSec)
	}
	exp := time.Now().Add(expire).Truncate(time.Second)
	u, err := d.signedURL("GET", downloadPrefix+fileID, exp)
	if err != nil {
		return nil, err
	}
	return &drive.DownloadURL{URL: u, Expiration: exp.UTC(), Method: "GET", Size: f.Size, ContentHash: f.ContentHash}, nil
}
