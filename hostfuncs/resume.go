package hostfuncs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Resumable uploads: with a resume key, the host keeps the drive's upload
// session in the plugin's KV (durable: JetStream KV under serve, a file
// standalone) together with what identifies the local content, so a run
// killed in the middle of a big file continues it on the next run instead
// of sending it again from the start.

// resumeKVPrefix is where the host keeps upload sessions in a plugin's KV.
const resumeKVPrefix = "_wd/upload/"

// resumeRecord is a persisted upload session and the local file and drive
// target it belongs to: a session is only resumed for the same unchanged
// file going to the same place.
type resumeRecord struct {
	Session drive.UploadSession `json:"session"`
	Local   string              `json:"local"` // resolved host path
	Size    int64               `json:"size"`
	MTime   int64               `json:"mtime"` // Unix ns
	Parent  string              `json:"parent"`
	Name    string              `json:"name"`
}

func (r *resumeRecord) sameFile(o *resumeRecord) bool {
	return r.Local == o.Local && r.Size == o.Size && r.MTime == o.MTime && r.Parent == o.Parent && r.Name == o.Name &&
		r.Session.Size == o.Size && r.Session.UploadID != ""
}

// resumeKVKey is the KV key of a resume key (hashed: plugin keys may hold
// any byte, KV keys may not).
func (e *Env) resumeKVKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return e.kvKey(resumeKVPrefix + hex.EncodeToString(h[:16]))
}

// upload runs req, resuming the session saved under key when there is one
// for the same unchanged file, and saving the new session otherwise.
func (e *Env) upload(ctx context.Context, key string, want resumeRecord, st os.FileInfo, req drive.UploadRequest) (*drive.UploadResult, error) {
	if key == "" || e.KV == nil {
		return e.Drive.Upload(ctx, req)
	}
	kvKey := e.resumeKVKey(key)
	want.Size, want.MTime = st.Size(), st.ModTime().UnixNano()
	saved := false
	save := func(s drive.UploadSession) {
		if s.PartSize > 0 && s.Size <= s.PartSize {
			return // one part: there is nothing to resume, spare the KV writes
		}
		rec := want
		rec.Session = s
		b, err := json.Marshal(rec)
		if err == nil {
			_, err = e.KV.Put(ctx, kvKey, b, nil)
		}
		if err != nil {
			// Not fatal: the upload goes on, only a crash would cost more.
			slog.WarnContext(ctx, "upload: could not save the session for resuming", "name", req.Name, "err", err)
			return
		}
		saved = true
	}
	req.OnSession = save
	if old := e.loadResume(ctx, kvKey); old != nil {
		if old.sameFile(&want) {
			r := req
			s := old.Session
			r.Resume = &s
			res, err := e.Drive.Upload(ctx, r)
			if err == nil {
				e.dropResume(ctx, kvKey)
				return res, nil
			}
			if !sessionRejected(ctx, err) {
				return nil, err // keep the record: the next attempt resumes
			}
			e.hostLog(LevelInfo, "upload "+req.Name+": the drive refused the saved session ("+err.Error()+"); starting over")
		}
		e.dropResume(ctx, kvKey)
	}
	res, err := e.Drive.Upload(ctx, req)
	if err == nil && saved {
		e.dropResume(ctx, kvKey)
	}
	return res, err
}

// loadResume returns the record under kvKey, or nil (none, or unreadable:
// an unreadable record is dropped by the caller and the upload starts over).
func (e *Env) loadResume(ctx context.Context, kvKey string) *resumeRecord {
	ent, err := e.KV.Get(ctx, kvKey)
	if err != nil {
		if !errors.Is(err, ErrKVNotFound) {
			slog.WarnContext(ctx, "upload: read saved session", "key", kvKey, "err", err)
		}
		return nil
	}
	var r resumeRecord
	if err := json.Unmarshal(ent.Value, &r); err != nil {
		return &resumeRecord{}
	}
	return &r
}

func (e *Env) dropResume(ctx context.Context, kvKey string) {
	if err := e.KV.Delete(ctx, kvKey); err != nil && !errors.Is(err, ErrKVNotFound) {
		slog.WarnContext(ctx, "upload: delete saved session", "key", kvKey, "err", err)
	}
}

// sessionRejected reports whether a resumed upload failed because of the
// session (unknown, expired, inconsistent), not because the call was
// cancelled or the drive is briefly unavailable: the upload then starts
// over instead of failing.
func sessionRejected(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	ae := ToABIError(err)
	switch ae.Code {
	case abi.CodeCancelled, abi.CodeTimeout:
		return false
	}
	return !ae.Retryable
}
