package local

import (
	"context"
	"encoding"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
	"github.com/wasmdrive/wasmdrive/internal/private"
)

// liveUpload is this process's state of an upload being written. Parts
// are received concurrently; the one that continues the running SHA-1
// hashes while it is received, and parts that arrived ahead of it are
// hashed from the page cache once it catches up to them.
type liveUpload struct {
	mu       sync.Mutex
	loaded   bool
	h        hash.Hash // SHA-1 of content[0:upto]; nil: unknown (completion re-reads)
	upto     int64
	hashing  bool         // a part continuing h is being received (with a copy of h)
	gen      uint64       // bumped when h is dropped, so a hasher in flight does not bring it back
	partSize int64        // once known
	claimed  map[int]bool // parts being received or received
	written  map[int]bool // parts whose bytes are in the data file
	pending  map[int]bool // claimed, not yet recorded
}

// live returns the in-process state of an upload.
func (d *Drive) live(uploadID string) *liveUpload {
	v, _ := d.uploads.LoadOrStore(uploadID, &liveUpload{})
	return v.(*liveUpload)
}

// load fills the state from the session's persisted rows (first use in
// this process: the running hash resumes from its last recorded state).
func (lu *liveUpload) load(ctx context.Context, d *Drive, s *session) error {
	if lu.loaded {
		return nil
	}
	h, err := restoreSHA1(s.hashState)
	if err != nil {
		return err
	}
	parts, err := d.UploadedParts(ctx, s.uploadID)
	if err != nil {
		return err
	}
	lu.h, lu.upto, lu.partSize = h, s.hashedUpto, s.partSize
	lu.claimed, lu.written, lu.pending = map[int]bool{}, map[int]bool{}, map[int]bool{}
	for _, p := range parts {
		lu.claimed[p.PartNumber], lu.written[p.PartNumber] = true, true
	}
	lu.loaded = true
	return nil
}

// drop stops trusting the running hash (completion will re-read).
func (lu *liveUpload) drop() {
	lu.h, lu.upto = nil, 0
	lu.gen++
}

// countingReader counts the bytes read through it, also into the drive's counter.
type countingReader struct {
	r io.Reader
	n int64
	d *Drive
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.d.partBytes.Add(int64(n))
	return n, err
}

// WritePart stores part partNumber (1-based) of an upload from body, which
// must hold exactly the part's bytes (length of them, or -1 if unknown). A
// part already stored (or being stored) answers 409 PartAlreadyExist. It
// returns the part's ETag (CRC-32C). Parts are not fsynced one by one: the
// data file is fsynced once at completion, and after an unclean shutdown
// Open checks recorded parts against their ETags (see verifyUploads).
func (d *Drive) WritePart(ctx context.Context, uploadID string, partNumber int, body io.Reader, length int64) (string, error) {
	lu := d.live(uploadID)
	lu.mu.Lock()
	w, err := d.claimPart(ctx, lu, uploadID, partNumber, length)
	lu.mu.Unlock()
	if err != nil {
		return "", err
	}
	defer w.f.Close()
	err = d.receive(w, body)
	lu.mu.Lock()
	if err != nil {
		delete(lu.claimed, partNumber)
		delete(lu.pending, partNumber)
		if w.h != nil {
			lu.hashing = false
		}
		lu.mu.Unlock()
		return "", err
	}
	lu.written[partNumber] = true
	if w.h != nil {
		lu.hashing = false
		if w.gen == lu.gen {
			lu.h, lu.upto = w.h, w.off+w.n
		}
	}
	if lu.h != nil && !lu.hashing {
		var err error
		if !w.s.streaming() { // streaming parts arrive in order: nothing to catch up
			err = lu.catchUp(w.f, w.s)
		}
		if err != nil {
			lu.drop()
		} else if w.state, err = lu.h.(encoding.BinaryMarshaler).MarshalBinary(); err == nil {
			w.stateUpto = lu.upto
		}
	}
	lu.mu.Unlock()

	err = d.recordPart(ctx, w)
	lu.mu.Lock()
	delete(lu.pending, partNumber)
	if err != nil {
		delete(lu.claimed, partNumber)
		delete(lu.written, partNumber)
		if w.off < lu.upto {
			lu.drop() // hashed bytes that are not recorded: a resend might differ
		}
	}
	lu.mu.Unlock()
	if err != nil {
		return "", err
	}
	return w.etag, nil
}

// receivedPart is a part being written into the data file and recorded.
type receivedPart struct {
	s         *session
	f         *os.File
	part      int
	off, n    int64
	h         hash.Hash // a copy of the running hash when this part continues it
	gen       uint64
	etag      string
	fixSize   bool
	state     []byte // hash state to persist (nil: none)
	stateUpto int64
}

// claimPart checks a part against the session and claims it; the part
// that continues the running hash takes a copy of it. It runs under lu.mu.
func (d *Drive) claimPart(ctx context.Context, lu *liveUpload, uploadID string, part int, length int64) (*receivedPart, error) {
	s, err := d.loadSession(ctx, d.rq, uploadID)
	if err != nil {
		return nil, err
	}
	if err := lu.load(ctx, d, s); err != nil {
		return nil, err
	}
	if part < 1 || part > s.maxPart() {
		return nil, drive.Invalid("part number %d is out of range 1..%d", part, s.maxPart())
	}
	if lu.claimed[part] {
		return nil, &drive.Error{Status: 409, Code: drive.CodePartAlreadyExist, Message: fmt.Sprintf("part %d was already uploaded", part)}
	}
	w := &receivedPart{s: s, part: part}
	if s.partSize == 0 {
		s.partSize = lu.partSize
	}
	if s.streaming() {
		if err := d.claimStreamPart(ctx, s, w, length); err != nil {
			return nil, err
		}
	} else {
		if s.partSize == 0 {
			if s.partSize, err = s.derivePartSize(part, length); err != nil {
				return nil, err
			}
			w.fixSize, lu.partSize = true, s.partSize
		}
		w.off, w.n = openapi.PartRange(part, s.size, s.partSize)
	}
	if w.f, err = private.OpenFile(d.sessionPath(uploadID), os.O_RDWR|os.O_CREATE); err != nil {
		return nil, fmt.Errorf("local drive: open upload data: %w", err)
	}
	if lu.h != nil && !lu.hashing && w.off == lu.upto {
		if w.h, err = cloneSHA1(lu.h); err != nil {
			w.f.Close()
			return nil, err
		}
		lu.hashing, w.gen = true, lu.gen
	}
	lu.claimed[part], lu.pending[part] = true, true
	return w, nil
}

// claimStreamPart places part w.part of a streaming upload right after
// the parts before it; its length must be known (Content-Length).
func (d *Drive) claimStreamPart(ctx context.Context, s *session, w *receivedPart, length int64) error {
	if length < 0 {
		return drive.Invalid("part %d: send Content-Length (an upload created without size takes each part's length from it)", w.part)
	}
	off, err := d.streamOffset(ctx, s, w.part)
	if err != nil {
		return err
	}
	// The size is checked against the quota as the parts come (a sized
	// upload is checked at create).
	used, err := usedBytes(ctx, d.rq)
	if err != nil {
		return err
	}
	if used+off+length > d.opts.QuotaBytes {
		return &drive.Error{Status: 403, Code: drive.CodeQuotaExhausted,
			Message: fmt.Sprintf("the drive holds %d of %d bytes; this upload's %d bytes do not fit: delete files or raise the quota", used, d.opts.QuotaBytes, off+length)}
	}
	w.off, w.n = off, length
	return nil
}

// catchUp advances the running hash over parts written earlier (out of
// order) that now continue it, reading them back from the data file (still
// in the page cache).
func (lu *liveUpload) catchUp(f *os.File, s *session) error {
	for next := int(lu.upto/s.partSize) + 1; lu.upto < s.size && lu.written[next]; next++ {
		off, n := openapi.PartRange(next, s.size, s.partSize)
		if off != lu.upto {
			return fmt.Errorf("local drive: hash catch-up at %d, part %d starts at %d", lu.upto, next, off)
		}
		if err := hashRange(lu.h, f, off, n); err != nil {
			return fmt.Errorf("local drive: hash part %d: %w", next, err)
		}
		lu.upto += n
	}
	return nil
}

// recordPart records a received part, with the part size when this part
// fixed it and the hash state when every part it covers is recorded (so a
// restart resumes hashing from recorded bytes).
func (d *Drive) recordPart(ctx context.Context, w *receivedPart) error {
	id := w.s.uploadID
	return d.withTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO upload_parts(upload_id, part_number, size, etag) VALUES(?,?,?,?)`, id, w.part, w.n, w.etag)
		if err != nil {
			return fmt.Errorf("local drive: record part %d: %w", w.part, err)
		}
		if n, _ := res.RowsAffected(); n == 0 { // another process recorded it first
			return &drive.Error{Status: 409, Code: drive.CodePartAlreadyExist, Message: fmt.Sprintf("part %d was already uploaded", w.part)}
		}
		if w.fixSize {
			if _, err := tx.ExecContext(ctx, `UPDATE uploads SET part_size = ? WHERE upload_id = ? AND part_size = 0`, w.s.partSize, id); err != nil {
				return fmt.Errorf("local drive: record part size: %w", err)
			}
		}
		if w.state == nil {
			return nil
		}
		covered := openapi.PartCount(w.stateUpto, w.s.partSize)
		if w.s.streaming() {
			covered = w.part // streaming parts are hashed in order
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM upload_parts WHERE upload_id = ? AND part_number <= ?`, id, covered).Scan(&have); err != nil {
			return fmt.Errorf("local drive: count parts: %w", err)
		}
		if have < covered {
			return nil // an earlier part is still being recorded; its own record saves the state
		}
		_, err = tx.ExecContext(ctx, `UPDATE uploads SET hashed_upto = ?, hash_state = ? WHERE upload_id = ? AND hashed_upto < ?`, w.stateUpto, w.state, id, w.stateUpto)
		return err
	})
}

// cloneSHA1 copies a SHA-1 in progress.
func cloneSHA1(h hash.Hash) (hash.Hash, error) {
	st, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("local drive: copy hash state: %w", err)
	}
	return restoreSHA1(st)
}

// readHash writes bytes [off, off+n) of f into h, reading them in large
// blocks; the range must exist.
func readHash(h hash.Hash, f *os.File, off, n int64) error {
	k, err := io.CopyBuffer(h, io.NewSectionReader(f, off, n), make([]byte, 1<<20))
	if err == nil && k < n {
		err = io.ErrUnexpectedEOF
	}
	return err
}
