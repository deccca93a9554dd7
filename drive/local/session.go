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
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

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

func (d *Drive) sessionPath(uploadID string) string {
	return filepath.Join(d.dir, "uploads", uploadID+".data")
}

// lockSession serialises writers of one upload; call the returned unlock.
func (d *Drive) lockSession(uploadID string) func() {
	m, _ := d.sessMu.LoadOrStore(uploadID, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
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
	if _, err := d.loadSession(ctx, d.r, uploadID); err != nil {
		return nil, err
	}
	rows, err := d.r.QueryContext(ctx, `SELECT part_number, etag, size FROM upload_parts WHERE upload_id = ? ORDER BY part_number`, uploadID)
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

// countingReader counts the bytes read through it into a shared counter.
type countingReader struct {
	r io.Reader
	n *int64
	d *Drive
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	c.d.partBytes.Add(int64(n))
	return n, err
}

// WritePart stores part partNumber (1-based) of an upload from body, which
// must hold exactly the part's bytes (length of them, or -1 if unknown). A
// part already stored answers 409 PartAlreadyExist. It returns the part's
// ETag.
func (d *Drive) WritePart(ctx context.Context, uploadID string, partNumber int, body io.Reader, length int64) (string, error) {
	unlock := d.lockSession(uploadID)
	defer unlock()
	s, err := d.loadSession(ctx, d.r, uploadID)
	if err != nil {
		return "", err
	}
	if partNumber < 1 || partNumber > s.parts() {
		return "", drive.Invalid("part number %d is out of range 1..%d", partNumber, s.parts())
	}
	var exists int
	err = d.r.QueryRowContext(ctx, `SELECT 1 FROM upload_parts WHERE upload_id = ? AND part_number = ?`, uploadID, partNumber).Scan(&exists)
	if err == nil {
		return "", &drive.Error{Status: 409, Code: drive.CodePartAlreadyExist, Message: fmt.Sprintf("part %d was already uploaded", partNumber)}
	}
	fixSize := s.partSize == 0
	if fixSize {
		if s.partSize, err = s.derivePartSize(partNumber, length); err != nil {
			return "", err
		}
	}
	off, n := openapi.PartRange(partNumber, s.size, s.partSize)
	f, err := os.OpenFile(d.sessionPath(uploadID), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("local drive: open upload data: %w", err)
	}
	defer f.Close()

	// Advance the content hash when this part continues it.
	var h hash.Hash
	if off == s.hashedUpto {
		if h, err = restoreSHA1(s.hashState); err != nil {
			return "", err
		}
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	var got int64
	var dst io.Writer = io.MultiWriter(io.NewOffsetWriter(f, off), crc)
	if h != nil {
		dst = io.MultiWriter(io.NewOffsetWriter(f, off), crc, h)
	}
	buf := make([]byte, 256<<10)
	_, err = io.CopyBuffer(dst, io.LimitReader(&countingReader{r: body, n: &got, d: d}, n+1), buf)
	if err != nil {
		return "", &drive.Error{Status: 400, Code: "IncompleteBody", Message: fmt.Sprintf("receiving part %d failed after %d bytes: %v", partNumber, got, err)}
	}
	if got != n {
		return "", drive.Invalid("part %d has %d bytes; it must have %d (part size %d, file size %d)", partNumber, got, n, s.partSize, s.size)
	}
	if !d.opts.NoSync {
		if err := f.Sync(); err != nil {
			return "", fmt.Errorf("local drive: sync part %d: %w", partNumber, err)
		}
	}
	etag := fmt.Sprintf("%08X", crc.Sum32())
	upto := off + n
	if h != nil {
		if upto, err = d.catchUpHash(ctx, f, h, uploadID, partNumber, upto); err != nil {
			return "", err
		}
	}
	err = d.withTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO upload_parts(upload_id, part_number, size, etag) VALUES(?,?,?,?)`, uploadID, partNumber, n, etag); err != nil {
			return fmt.Errorf("local drive: record part %d: %w", partNumber, err)
		}
		if fixSize {
			if _, err := tx.ExecContext(ctx, `UPDATE uploads SET part_size = ? WHERE upload_id = ?`, s.partSize, uploadID); err != nil {
				return fmt.Errorf("local drive: record part size: %w", err)
			}
		}
		if h == nil {
			return nil
		}
		state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return fmt.Errorf("local drive: save hash state: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE uploads SET hashed_upto = ?, hash_state = ? WHERE upload_id = ?`, upto, state, uploadID)
		return err
	})
	if err != nil {
		return "", err
	}
	return etag, nil
}

// catchUpHash advances h over the parts after part that arrived earlier
// (out of order) and are contiguous with it, reading them back from the
// data file (still in the page cache), so the hash keeps up with the
// parts and completion need not re-read the file. It returns the new end
// of the hashed prefix.
func (d *Drive) catchUpHash(ctx context.Context, f *os.File, h hash.Hash, uploadID string, part int, upto int64) (int64, error) {
	rows, err := d.r.QueryContext(ctx, `SELECT part_number, size FROM upload_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number`, uploadID, part)
	if err != nil {
		return 0, fmt.Errorf("local drive: list later parts: %w", err)
	}
	defer rows.Close()
	next := part + 1
	for rows.Next() {
		var p int
		var size int64
		if err := rows.Scan(&p, &size); err != nil {
			return 0, fmt.Errorf("local drive: scan part: %w", err)
		}
		if p != next {
			break
		}
		if _, err := io.Copy(h, io.NewSectionReader(f, upto, size)); err != nil {
			return 0, fmt.Errorf("local drive: hash part %d: %w", p, err)
		}
		upto, next = upto+size, next+1
	}
	return upto, rows.Err()
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

// finishHash completes the session's SHA-1, reading only the bytes the
// in-order parts did not already hash. It also returns the pre_hash.
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
		if _, err := io.Copy(h, io.NewSectionReader(f, s.hashedUpto, s.size-s.hashedUpto)); err != nil {
			return "", "", fmt.Errorf("local drive: hash upload data: %w", err)
		}
	}
	preHash, err = openapi.PreHash(f, s.size)
	if err != nil {
		return "", "", err
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), preHash, nil
}
