package local

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
	"github.com/wasmdrive/wasmdrive/internal/private"
)

// CreateFileRequest starts a file upload (the file half of openFile/create).
type CreateFileRequest struct {
	ParentFileID string
	Name         string
	Size         int64
	// SizeUnknown starts an upload without size (Size 0), as streaming
	// writers do: parts go in order, each but the last of the part size
	// (PartSize, else the first part's length), and Complete takes the size
	// from the parts. Not with ContentHash (a rapid upload needs the size).
	SizeUnknown bool
	Mode        drive.CheckNameMode // default refuse
	// PartSize of the session (default openapi.PartSize(Size, 0)).
	PartSize int64
	// Parts is the number of parts the client asked for without a part
	// size; the part size is then the default if that gives as many parts,
	// else it is fixed by the first part received.
	Parts int
	// PreHash asks whether content with this pre_hash and size may be stored.
	PreHash string
	// ContentHash (SHA-1 hex) asks for a rapid upload; it is also checked at
	// completion of a normal upload.
	ContentHash string
	// Proof verifies proof_code for a rapid upload; nil trusts the caller
	// (in process). It is given a reader of the stored content.
	Proof func(content io.ReaderAt, size int64) bool
}

// CreateFileResult is the answer: an existing file (Exist, under refuse), a
// finished rapid upload (RapidUpload), or a new session (UploadID).
type CreateFileResult struct {
	File        *drive.File
	Exist       bool
	RapidUpload bool
	UploadID    string
	PartSize    int64
	Parts       int
}

// CreateFile starts a file upload.
func (d *Drive) CreateFile(ctx context.Context, req CreateFileRequest) (*CreateFileResult, error) {
	if err := validateName(req.Name); err != nil {
		return nil, err
	}
	if req.Mode == "" {
		req.Mode = drive.NameRefuse
	}
	if err := validMode(req.Mode); err != nil {
		return nil, err
	}
	if req.Size < 0 {
		return nil, drive.Invalid("size %d is negative", req.Size)
	}
	if req.SizeUnknown {
		if req.Size != 0 || req.ContentHash != "" {
			return nil, drive.Invalid("an upload without size takes no size or content_hash: send size for a rapid upload")
		}
		if req.PartSize < 0 {
			return nil, drive.Invalid("part_size %d is negative", req.PartSize)
		}
		req.Parts, req.PreHash = max(req.Parts, 1), "" // pre_hash needs the size
		if req.Parts > openapi.MaxParts {
			return nil, drive.Invalid("%d parts exceed the limit of %d parts: use bigger parts", req.Parts, openapi.MaxParts)
		}
	} else if err := req.settleParts(); err != nil {
		return nil, err
	}
	req.ContentHash = openapi.NormalizeHash(req.ContentHash)
	if req.ContentHash != "" && !isSHA1Hex(req.ContentHash) {
		return nil, drive.Invalid("content_hash %q is not a SHA-1 in hex", req.ContentHash)
	}
	if _, err := d.folder(ctx, d.rq, req.ParentFileID); err != nil {
		return nil, err
	}
	if req.ContentHash != "" {
		res, err := d.rapidUpload(ctx, req)
		if res != nil || err != nil {
			return res, err
		}
	} else if req.PreHash != "" {
		var n int
		err := d.r.QueryRowContext(ctx, `SELECT 1 FROM blobs WHERE pre_hash = ? AND size = ? LIMIT 1`, openapi.NormalizeHash(req.PreHash), req.Size).Scan(&n)
		if err == nil {
			return nil, &drive.Error{Status: 400, Code: drive.CodePreHashMatched, Message: "content with this pre_hash is stored: send content_hash and proof_code for a rapid upload"}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("local drive: look up pre_hash: %w", err)
		}
	}
	return d.startSession(ctx, req)
}

// settleParts fixes PartSize (0: decided by the first part) and Parts.
func (req *CreateFileRequest) settleParts() error {
	if req.PartSize > 0 || req.Parts <= 0 {
		req.PartSize = openapi.PartSize(req.Size, req.PartSize)
		req.Parts = openapi.PartCount(req.Size, req.PartSize)
	} else if def := openapi.PartSize(req.Size, 0); openapi.PartCount(req.Size, def) == req.Parts {
		req.PartSize = def
	} else if req.Parts == 1 {
		req.PartSize = max(req.Size, 1)
	} else if int64(req.Parts) > req.Size {
		return drive.Invalid("%d parts for %d bytes: every part needs at least one byte", req.Parts, req.Size)
	} else {
		req.PartSize = 0
	}
	if req.Parts > openapi.MaxParts {
		return drive.Invalid("%d parts exceed the limit of %d parts: use bigger parts", req.Parts, openapi.MaxParts)
	}
	return nil
}

// rapidUpload creates the file from stored content, or returns nil, nil
// when no content with that hash and size is stored.
func (d *Drive) rapidUpload(ctx context.Context, req CreateFileRequest) (*CreateFileResult, error) {
	d.blobMu.RLock()
	locked := true
	defer func() {
		if locked {
			d.blobMu.RUnlock()
		}
	}()
	ok, err := d.findBlob(ctx, d.r, req.ContentHash, req.Size)
	if err != nil || !ok {
		return nil, err
	}
	if req.Proof != nil {
		f, err := d.blobs.open(req.ContentHash)
		if err != nil {
			return nil, err
		}
		good := req.Proof(f, req.Size)
		f.Close()
		if !good {
			return nil, &drive.Error{Status: 400, Code: drive.CodeInvalidRapidProof, Message: "proof_code does not match the stored content for this access token: recompute it with the token of this request"}
		}
	}
	var res *CreateFileResult
	var dead []string
	err = d.withTx(ctx, func(tx *txn) error {
		f := d.newFileRow(req.ParentFileID, req.Name, drive.TypeFile)
		f.Size, f.ContentHash = req.Size, req.ContentHash
		name, ex, d2, err := d.settleName(ctx, tx, f, req.Mode)
		if err != nil || ex != nil {
			res = &CreateFileResult{File: ex, Exist: true}
			return err
		}
		dead, f.Name = d2, name
		f.Category, f.FileExtension = category(name), extension(name)
		if err := d.addUsed(ctx, tx, f.Size); err != nil {
			return err
		}
		if err := insertFile(ctx, tx, f, 0); err != nil {
			return err
		}
		res = &CreateFileResult{File: f, RapidUpload: true}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// removeBlobsIfUnused takes blobMu for writing: release the read lock first.
	d.blobMu.RUnlock()
	locked = false
	d.removeBlobsIfUnused(ctx, dead)
	return res, nil
}

// settleName applies the name mode to a new or completing file f in its
// folder. Under refuse an existing file is returned (ex != nil) and nothing
// is to be written; overwrite deletes an existing file of that name.
func (d *Drive) settleName(ctx context.Context, tx *txn, f *drive.File, mode drive.CheckNameMode) (name string, ex *drive.File, dead []string, err error) {
	if mode == drive.NameIgnore {
		return f.Name, nil, nil, nil
	}
	ex, err = d.sibling(ctx, tx, f.ParentFileID, f.Name, f.FileID)
	if err != nil || ex == nil {
		return f.Name, nil, nil, err
	}
	switch mode {
	case drive.NameAutoRename:
		name, err = d.freeName(ctx, tx, f.ParentFileID, f.Name, false)
		return name, nil, nil, err
	case drive.NameOverwrite:
		if ex.IsFolder() {
			return "", nil, nil, alreadyExists(f.ParentFileID, f.Name)
		}
		dead, err = d.deleteTx(ctx, tx, ex.FileID)
		return f.Name, nil, dead, err
	}
	return "", ex, nil, nil
}

// startSession creates the uploading file and its session.
func (d *Drive) startSession(ctx context.Context, req CreateFileRequest) (*CreateFileResult, error) {
	var res *CreateFileResult
	err := d.withTx(ctx, func(tx *txn) error {
		f := d.newFileRow(req.ParentFileID, req.Name, drive.TypeFile)
		f.Size, f.Status = req.Size, openapi.StatusUploading
		name, ex, _, err := d.settleName(ctx, tx, f, noDelete(req.Mode))
		if err != nil || ex != nil {
			res = &CreateFileResult{File: ex, Exist: true}
			return err
		}
		f.Name = name
		f.Category, f.FileExtension = category(name), extension(name)
		used, err := usedBytes(ctx, tx)
		if err != nil {
			return err
		}
		if used+req.Size > d.opts.QuotaBytes {
			return &drive.Error{Status: 403, Code: drive.CodeQuotaExhausted,
				Message: fmt.Sprintf("the drive holds %d of %d bytes; %d more do not fit: delete files or raise the quota", used, d.opts.QuotaBytes, req.Size)}
		}
		if err := insertFile(ctx, tx, f, 0); err != nil {
			return err
		}
		uid, size := newID(), req.Size
		if req.SizeUnknown {
			size = unknownSize
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO uploads(upload_id, file_id, size, part_size, num_parts, content_hash, name_mode, created_at) VALUES(?,?,?,?,?,?,?,?)`,
			uid, f.FileID, size, req.PartSize, req.Parts, req.ContentHash, string(req.Mode), nanos(time.Now()))
		if err != nil {
			return fmt.Errorf("local drive: record upload: %w", err)
		}
		res = &CreateFileResult{File: f, UploadID: uid, PartSize: req.PartSize, Parts: req.Parts}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// noDelete maps overwrite to ignore: the old file is replaced at
// completion, not when the upload starts.
func noDelete(m drive.CheckNameMode) drive.CheckNameMode {
	if m == drive.NameOverwrite {
		return drive.NameIgnore
	}
	return m
}

// Complete finishes an upload: all parts must be stored; the content's
// SHA-1 must match a declared content_hash (else 400
// InvalidParameter.ContentHash). The name mode applies again: under refuse a
// name taken meanwhile answers 409 AlreadyExist.File. Completing a finished
// upload returns the file again.
func (d *Drive) Complete(ctx context.Context, fileID, uploadID string) (*drive.File, error) {
	lu := d.live(uploadID)
	lu.mu.Lock()
	defer lu.mu.Unlock()
	s, err := d.loadSession(ctx, d.rq, uploadID)
	if err != nil {
		if f, gerr := d.getFile(ctx, d.rq, fileID); gerr == nil && f.Status == openapi.StatusAvailable && !f.IsFolder() {
			return f, nil // already completed: idempotent
		}
		return nil, err
	}
	if fileID != "" && s.fileID != fileID {
		return nil, drive.Invalid("upload %s belongs to file %s, not %s", uploadID, s.fileID, fileID)
	}
	var have, last int
	var total int64
	if err := d.rq.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(part_number), 0), COALESCE(SUM(size), 0) FROM upload_parts WHERE upload_id = ?`, uploadID).Scan(&have, &last, &total); err != nil {
		return nil, fmt.Errorf("local drive: count parts: %w", err)
	}
	if s.streaming() {
		if have == 0 || have != last || len(lu.pending) > 0 {
			return nil, drive.Invalid("upload %s has %d parts up to part %d: upload parts 1..n in order (listUploadedParts) before completing", uploadID, have, last)
		}
		s.size = total // the size is what was uploaded
	} else if have != s.parts() || len(lu.pending) > 0 {
		return nil, drive.Invalid("upload %s has %d of %d parts: upload the missing parts (listUploadedParts) before completing", uploadID, have, s.parts())
	}
	sum, preHash, err := d.contentHash(lu, s)
	if err != nil {
		return nil, err
	}
	if s.contentHash != "" && s.contentHash != sum {
		return nil, &drive.Error{Status: 400, Code: drive.CodeInvalidContentHash,
			Message: fmt.Sprintf("the uploaded content has SHA-1 %s, not the declared %s", sum, s.contentHash)}
	}
	d.blobMu.RLock()
	f, dead, err := d.installSession(ctx, s, sum, preHash)
	d.blobMu.RUnlock()
	if err != nil {
		return nil, err
	}
	d.uploads.Delete(uploadID)
	d.removeBlobsIfUnused(ctx, dead)
	return f, nil
}

// contentHash is the SHA-1 and pre_hash of a complete upload: the running
// hash when it covers everything (the usual case: nothing is read back),
// else the persisted state finished by reading the rest.
func (d *Drive) contentHash(lu *liveUpload, s *session) (sum, preHash string, err error) {
	if !lu.loaded || lu.h == nil || lu.upto != s.size || s.size == 0 {
		return d.finishHash(s)
	}
	f, err := os.Open(d.sessionPath(s.uploadID))
	if err != nil {
		return "", "", fmt.Errorf("local drive: open upload data: %w", err)
	}
	defer f.Close()
	if preHash, err = openapi.PreHash(f, s.size); err != nil {
		return "", "", err
	}
	return hexSum(lu.h), preHash, nil
}

// installSession turns the session's data file into a blob and makes the
// file available, in that order, so a crash leaves at worst an orphan blob.
func (d *Drive) installSession(ctx context.Context, s *session, sum, preHash string) (*drive.File, []string, error) {
	data := d.sessionPath(s.uploadID)
	if s.size == 0 {
		if err := private.WriteFile(data, nil); err != nil {
			return nil, nil, fmt.Errorf("local drive: create empty blob: %w", err)
		}
	}
	if !d.opts.NoSync {
		if err := syncFile(data); err != nil {
			return nil, nil, err
		}
	}
	if err := d.blobs.install(data, sum); err != nil {
		return nil, nil, err
	}
	var f *drive.File
	var dead []string
	err := d.withTx(ctx, func(tx *txn) error {
		var err error
		if f, err = d.getFile(ctx, tx, s.fileID); err != nil {
			return err
		}
		name, ex, d2, err := d.settleName(ctx, tx, f, s.mode)
		if err != nil {
			return err
		}
		if ex != nil {
			return alreadyExists(f.ParentFileID, f.Name)
		}
		dead = d2
		if err := insertBlob(ctx, tx, blobRow{sha1: sum, size: s.size, preHash: preHash}); err != nil {
			return err
		}
		if err := d.addUsed(ctx, tx, s.size); err != nil {
			return err
		}
		now := time.Now().UTC()
		_, err = tx.ExecContext(ctx, `UPDATE files SET status = 'available', sha1 = ?, size = ?, name = ?, category = ?, ext = ?, updated_at = ? WHERE id = ?`,
			sum, s.size, name, category(name), extension(name), nanos(now), s.fileID)
		if err != nil {
			return fmt.Errorf("local drive: finish %s: %w", s.fileID, err)
		}
		f.Name, f.Category, f.FileExtension, f.UpdatedAt = name, category(name), extension(name), now
		f.Status, f.ContentHash, f.Size = openapi.StatusAvailable, sum, s.size
		return deleteSession(ctx, tx, s.uploadID)
	})
	if err != nil {
		return nil, nil, err
	}
	os.Remove(data)
	d.syncWAL()
	return f, dead, nil
}

// isSHA1Hex reports whether s looks like a SHA-1 in hex.
func isSHA1Hex(s string) bool {
	if len(s) != 40 {
		return false
	}
	return strings.Trim(strings.ToUpper(s), "0123456789ABCDEF") == ""
}
