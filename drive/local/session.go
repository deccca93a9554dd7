package local

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// session is an unfinished multipart upload. Its parts are written at their
// offsets into one data file, and the SHA-1 of the content is advanced as
// parts arrive in order (its state persisted with each part), so completing
// an upload neither copies nor re-reads the content.
type session struct {
	uploadID, fileID string
	size, partSize   int64 // partSize 0: not known until the first part arrives
	numParts         int
	contentHash      string // declared by the client ("" if none), upper case
	mode             drive.CheckNameMode
	hashedUpto       int64
	hashState        []byte
}

func (s *session) parts() int { return s.numParts }

// unknownSize is the size recorded for an upload created without size
// (a streaming writer: OpenDAL aliyun_drive/writer.rs uploads each write
// as the next part). Its parts go in order, of any length, each placed
// after the ones before it, and completion takes the size from the parts.
const unknownSize = -1

// streaming reports whether the upload was created without size.
func (s *session) streaming() bool { return s.size < 0 }

// maxPart is the highest part number the upload takes: the declared count,
// or any up to openapi.MaxParts for a streaming upload (getUploadUrl may ask
// for parts beyond the list given to create).
func (s *session) maxPart() int {
	if s.streaming() {
		return openapi.MaxParts
	}
	return s.numParts
}

// streamOffset is where part of a streaming upload starts: after parts
// 1..part-1, which must all be recorded (else 400 PartNotSequential, as
// OSS answers a part sent before its predecessor).
func (d *Drive) streamOffset(ctx context.Context, s *session, part int) (int64, error) {
	var n int
	var off int64
	err := d.rq.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(size), 0) FROM upload_parts WHERE upload_id = ? AND part_number < ?`, s.uploadID, part).Scan(&n, &off)
	if err != nil {
		return 0, fmt.Errorf("local drive: look up parts before %d of %s: %w", part, s.uploadID, err)
	}
	if n != part-1 {
		return 0, &drive.Error{Status: 400, Code: codePartNotSequential,
			Message: fmt.Sprintf("part %d was sent before part %d: an upload created without size takes its parts in order", part, n+1)}
	}
	return off, nil
}

func (d *Drive) sessionPath(uploadID string) string {
	return filepath.Join(d.dir, "uploads", uploadID+".data")
}

func noSuchUpload(uploadID string) *drive.Error {
	return &drive.Error{Status: 400, Code: drive.CodeNotFoundUploadID, Message: fmt.Sprintf("upload %q does not exist (finished, deleted or never started): start a new upload", uploadID)}
}

func (d *Drive) loadSession(ctx context.Context, q querier, uploadID string) (*session, error) {
	s := &session{uploadID: uploadID}
	var mode string
	err := q.QueryRowContext(ctx, `SELECT file_id, size, part_size, num_parts, content_hash, name_mode, hashed_upto, hash_state FROM uploads WHERE upload_id = ?`, uploadID).
		Scan(&s.fileID, &s.size, &s.partSize, &s.numParts, &s.contentHash, &mode, &s.hashedUpto, &s.hashState)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchUpload(uploadID)
	}
	if err != nil {
		return nil, fmt.Errorf("local drive: load upload %s: %w", uploadID, err)
	}
	s.mode = drive.CheckNameMode(mode)
	return s, nil
}

func deleteSession(ctx context.Context, tx *txn, uploadID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM upload_parts WHERE upload_id = ?`, uploadID); err != nil {
		return fmt.Errorf("local drive: forget parts of %s: %w", uploadID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE upload_id = ?`, uploadID); err != nil {
		return fmt.Errorf("local drive: forget upload %s: %w", uploadID, err)
	}
	return nil
}

// UploadedParts lists the parts of an upload the drive holds, in order.
func (d *Drive) UploadedParts(ctx context.Context, uploadID string) ([]openapi.UploadedPart, error) {
	if _, err := d.loadSession(ctx, d.rq, uploadID); err != nil {
		return nil, err
	}
	rows, err := d.rq.QueryContext(ctx, `SELECT part_number, etag, size FROM upload_parts WHERE upload_id = ? ORDER BY part_number`, uploadID)
	if err != nil {
		return nil, fmt.Errorf("local drive: list parts of %s: %w", uploadID, err)
	}
	defer rows.Close()
	out := []openapi.UploadedPart{}
	for rows.Next() {
		var p openapi.UploadedPart
		if err := rows.Scan(&p.PartNumber, &p.ETag, &p.PartSize); err != nil {
			return nil, fmt.Errorf("local drive: scan part: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// derivePartSize fixes the part size of a session created without one
// from the first part received: all parts but the last have the part size,
// so a length of part k < n is the part size, and the last part's length
// gives (size - length) / (n - 1).
func (s *session) derivePartSize(part int, length int64) (int64, error) {
	if length < 0 {
		return 0, drive.Invalid("part %d: send Content-Length (the part size of this upload is fixed by its first part)", part)
	}
	p := length
	if part == s.numParts {
		if s.numParts == 1 || (s.size-length)%int64(s.numParts-1) != 0 {
			return 0, drive.Invalid("part %d: a last part of %d bytes fits no part size for %d bytes in %d parts", part, length, s.size, s.numParts)
		}
		p = (s.size - length) / int64(s.numParts-1)
	}
	if p <= 0 || openapi.PartCount(s.size, p) != s.numParts {
		return 0, drive.Invalid("part %d: %d bytes cannot be the part size of %d bytes in %d parts", part, length, s.size, s.numParts)
	}
	return p, nil
}

// restoreSHA1 resumes a SHA-1 from a saved state (nil: a fresh hash).
func restoreSHA1(state []byte) (hash.Hash, error) {
	h := sha1.New()
	if len(state) == 0 {
		return h, nil
	}
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, fmt.Errorf("local drive: restore hash state: %w", err)
	}
	return h, nil
}

// finishHash completes the session's SHA-1 from its persisted state,
// reading only the bytes that state does not cover (after a restart, or
// when parts failed to record). It also returns the pre_hash.
func (d *Drive) finishHash(s *session) (sum, preHash string, err error) {
	h, err := restoreSHA1(s.hashState)
	if err != nil {
		return "", "", err
	}
	f, err := os.Open(d.sessionPath(s.uploadID))
	if errors.Is(err, os.ErrNotExist) && s.size == 0 {
		return openapi.EmptySHA1, openapi.EmptySHA1, nil
	}
	if err != nil {
		return "", "", fmt.Errorf("local drive: open upload data: %w", err)
	}
	defer f.Close()
	if s.hashedUpto < s.size {
		if _, err := io.CopyBuffer(h, io.NewSectionReader(f, s.hashedUpto, s.size-s.hashedUpto), make([]byte, 1<<20)); err != nil {
			return "", "", fmt.Errorf("local drive: hash upload data: %w", err)
		}
	}
	if preHash, err = openapi.PreHash(f, s.size); err != nil {
		return "", "", err
	}
	return hexSum(h), preHash, nil
}

// hexSum is the upper-case hex digest of h.
func hexSum(h hash.Hash) string { return strings.ToUpper(hex.EncodeToString(h.Sum(nil))) }
