package local

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// createBody is the body of openFile/create, noting whether it carried a
// size: without one a file upload streams (the real service accepts it:
// OpenDAL core/src/services/aliyun_drive/writer.rs sends size None, alist
// drivers/aliyundrive_open/upload.go sends size only for a rapid upload).
type createBody struct {
	openapi.CreateRequest
	sized bool
}

// UnmarshalJSON decodes the request and notes a size key (null is none).
func (c *createBody) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &c.CreateRequest); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(b, &keys) == nil {
		v, ok := keys["size"]
		c.sized = ok && string(v) != "null"
	}
	return nil
}

// create answers openFile/create for folders and files.
func (s *Server) create(ctx context.Context, b *createBody) (any, error) {
	d, r := s.d, &b.CreateRequest
	if r.Type == drive.TypeFolder {
		res, err := d.CreateFolder(ctx, r.ParentFileID, r.Name, nameMode(r.CheckNameMode))
		if err != nil {
			return nil, err
		}
		return openapi.CreateResponse{DriveID: d.opts.DriveID, FileID: res.File.FileID, ParentFileID: res.File.ParentFileID,
			FileName: res.File.Name, Status: res.File.Status, Exist: res.Exist}, nil
	}
	if r.Type != drive.TypeFile {
		return nil, drive.Invalid("type %q is not file or folder", r.Type)
	}
	if r.ContentHash != "" && r.ContentHashName != "" && r.ContentHashName != openapi.ContentHashNameSHA1 {
		return nil, drive.Invalid("content_hash_name %q is not sha1", r.ContentHashName)
	}
	req := CreateFileRequest{ParentFileID: r.ParentFileID, Name: r.Name, Size: r.Size, Mode: nameMode(r.CheckNameMode),
		PartSize: partSizeOf(r), Parts: len(r.PartInfoList), PreHash: r.PreHash, ContentHash: r.ContentHash,
		SizeUnknown: !b.sized && r.ContentHash == ""}
	if r.ContentHash != "" {
		tok, _ := ctx.Value(tokenKey{}).(string)
		req.Proof = func(content io.ReaderAt, size int64) bool {
			want, err := openapi.ProofCode(tok, content, size)
			return err == nil && want == r.ProofCode
		}
	}
	res, err := d.CreateFile(ctx, req)
	if err != nil {
		return nil, err
	}
	f := res.File
	out := openapi.CreateResponse{DriveID: d.opts.DriveID, FileID: f.FileID, ParentFileID: f.ParentFileID, FileName: f.Name,
		Status: f.Status, Exist: res.Exist, RapidUpload: res.RapidUpload, UploadID: res.UploadID}
	if res.RapidUpload || res.Exist {
		out.Available = f.Status == openapi.StatusAvailable
		return out, nil
	}
	sess := &session{size: r.Size, partSize: res.PartSize, numParts: res.Parts}
	if req.SizeUnknown {
		sess.size = unknownSize
	}
	out.PartInfoList, err = s.partURLs(res.UploadID, sess, openapi.PartInfoList(1, res.Parts))
	return out, err
}

// partSizeOf is the part_size of the first item of part_info_list (0 if none).
func partSizeOf(r *openapi.CreateRequest) int64 {
	if len(r.PartInfoList) == 0 {
		return 0
	}
	return r.PartInfoList[0].PartSize
}

// partURLs signs upload URLs for the given parts.
// (part_size: the part's length when known; a streaming upload's part size).
func (s *Server) partURLs(uploadID string, sess *session, parts []openapi.PartInfo) ([]openapi.PartInfo, error) {
	exp := time.Now().Add(s.opts.UploadURLTTL)
	out := make([]openapi.PartInfo, 0, len(parts))
	for _, p := range parts {
		if p.PartNumber < 1 || p.PartNumber > sess.maxPart() {
			return nil, drive.Invalid("part number %d is out of range 1..%d", p.PartNumber, sess.maxPart())
		}
		u, err := s.d.signedURL(http.MethodPut, uploadPrefix+uploadID+"/"+strconv.Itoa(p.PartNumber), exp)
		if err != nil {
			return nil, err
		}
		var n int64
		switch {
		case sess.streaming():
			n = sess.partSize
		case sess.partSize > 0:
			_, n = openapi.PartRange(p.PartNumber, sess.size, sess.partSize)
		}
		out = append(out, openapi.PartInfo{PartNumber: p.PartNumber, PartSize: n, UploadURL: u, InternalUploadURL: u})
	}
	return out, nil
}

// getUploadURL answers openFile/getUploadUrl with fresh part URLs.
func (s *Server) getUploadURL(ctx context.Context, r *openapi.UploadURLRequest) (any, error) {
	sess, err := s.d.loadSession(ctx, s.d.r, r.UploadID)
	if err != nil {
		return nil, err
	}
	if r.FileID != "" && r.FileID != sess.fileID {
		return nil, drive.Invalid("upload %s belongs to file %s, not %s", r.UploadID, sess.fileID, r.FileID)
	}
	parts := r.PartInfoList
	if len(parts) == 0 {
		parts = openapi.PartInfoList(1, sess.parts())
	}
	urls, err := s.partURLs(r.UploadID, sess, parts)
	if err != nil {
		return nil, err
	}
	return openapi.UploadURLResponse{DriveID: s.d.opts.DriveID, FileID: sess.fileID, UploadID: r.UploadID,
		CreatedAt: time.Now().UTC(), PartInfoList: urls}, nil
}

// countBody counts request body bytes into the server's counter.
type countBody struct {
	r io.Reader
	s *Server
}

func (c countBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.s.bodyBytes.Add(int64(n))
	return n, err
}

// putPart receives one part on a pre-signed URL; errors are OSS XML.
func (s *Server) putPart(w http.ResponseWriter, r *http.Request) {
	if err := s.d.verifyURL(http.MethodPut, r.URL.Path, r.URL.Query()); err != nil {
		s.ossFail(w, r, err)
		return
	}
	part, err := strconv.Atoi(r.PathValue("part"))
	if err != nil {
		writeOSS(w, r, &ossError{status: 400, code: "InvalidArgument", msg: "bad part number"})
		return
	}
	if err := s.checkPartPUT(r, r.PathValue("upload"), part); err != nil {
		s.ossFail(w, r, err)
		return
	}
	etag, err := s.d.WritePart(r.Context(), r.PathValue("upload"), part, countBody{r.Body, s}, r.ContentLength)
	if err != nil {
		s.ossFail(w, r, err)
		return
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	w.WriteHeader(http.StatusOK)
}

// ossFail maps an error to its OSS XML answer.
func (s *Server) ossFail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *ossError
	if errors.As(err, &oe) {
		writeOSS(w, r, oe)
		return
	}
	de := asDriveError(err)
	switch {
	case de.Code == drive.CodePartAlreadyExist:
		writeOSS(w, r, &ossError{status: 409, code: de.Code, msg: de.Message})
	case de.Code == drive.CodeNotFoundUploadID:
		writeOSS(w, r, &ossError{status: 404, code: drive.CodeNoSuchUpload, msg: de.Message})
	case !errors.As(err, new(*drive.Error)):
		s.log.Warn("local drive server: part upload failed", "path", r.URL.Path, "err", err)
		writeOSS(w, r, &ossError{status: 500, code: "InternalError", msg: de.Message})
	default:
		writeOSS(w, r, &ossError{status: de.Status, code: de.Code, msg: de.Message})
	}
}

// download serves a file's content on a pre-signed URL, with Range support.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if err := s.d.verifyURL(http.MethodGet, r.URL.Path, r.URL.Query()); err != nil {
		s.ossFail(w, r, err)
		return
	}
	f, err := s.d.downloadable(r.Context(), r.PathValue("file"))
	if err != nil {
		writeOSS(w, r, &ossError{status: 404, code: "NoSuchKey", msg: err.Error()})
		return
	}
	release, ok := s.downloadSlot(w, r)
	if !ok {
		return
	}
	defer release()
	b, err := s.d.openContent(f)
	if err != nil {
		s.ossFail(w, r, err)
		return
	}
	defer b.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", `"`+f.ContentHash+`"`)
	http.ServeContent(w, r, "", f.UpdatedAt, newVerifier(s.d, f, b))
}

// createShare answers openFile/createShare (camelCase fields).
func (s *Server) createShare(ctx context.Context, r *openapi.CreateShareRequest) (any, error) {
	req := drive.ShareRequest{FileIDs: r.FileIDList, Password: r.SharePwd, Description: r.Description}
	if r.Expiration != "" {
		t, err := time.Parse(time.RFC3339, r.Expiration)
		if err != nil {
			return nil, drive.Invalid("expiration %q is not RFC 3339 (or \"\" for a permanent link)", r.Expiration)
		}
		req.Expiration = t
	}
	sh, err := s.d.CreateShare(ctx, req)
	if err != nil {
		return nil, err
	}
	return shareWire(sh, s.d.opts.UserName), nil
}
