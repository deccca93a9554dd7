package local

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Dedup trusts a blob only while it holds its content: linking to a
// stored blob (rapid upload) needs its file with the recorded size, and a
// read that finds the bytes do not hash to the blob's name marks it bad
// (markBad), so the next upload of that content stores it again and every
// file naming it is whole again.

// blobIntact reports whether the blob sha1 exists with this size.
func (b *blobStore) intact(sha1 string, size int64) bool {
	st, err := os.Stat(b.path(sha1))
	return err == nil && st.Mode().IsRegular() && st.Size() == size
}

// markBad moves a damaged blob into quarantine as <sha1>.bad and forgets
// its row: a rapid upload no longer links to it, and the next upload of
// that content installs a good copy that the files naming it then read.
func (d *Drive) markBad(sha1, why string) {
	d.blobMu.Lock()
	defer d.blobMu.Unlock()
	d.log.Error("local drive: a stored blob is damaged; it is quarantined and the next upload of this content stores it again",
		"sha1", sha1, "problem", why, "quarantine", d.quarantineDir())
	d.quarantine(d.blobs.path(sha1), strings.ToLower(sha1)+badSuffix)
	err := d.withTx(context.Background(), func(tx *txn) error {
		_, err := tx.ExecContext(context.Background(), `DELETE FROM blobs WHERE sha1 = ?`, sha1)
		return err
	})
	if err != nil {
		d.log.Warn("local drive: forget a damaged blob", "sha1", sha1, "err", err)
	}
}

// damaged is the error of a read whose content failed its check: not
// retryable (reading again cannot help), and no sentinel a caller could
// take for a deleted file.
func damaged(f *drive.File, why string) error {
	return &drive.Error{Status: 422, Code: drive.CodeContentDamaged,
		Message: fmt.Sprintf("the stored content of %s (%s) is damaged: %s; upload the file again to repair it", f.Name, f.FileID, why)}
}

// openContent opens the blob of file f for reading, checking its size; a
// missing blob or one of the wrong size is marked bad.
func (d *Drive) openContent(f *drive.File) (*os.File, error) {
	b, err := d.blobs.open(f.ContentHash)
	if errors.Is(err, os.ErrNotExist) {
		d.markBad(f.ContentHash, "missing")
		return nil, damaged(f, "its blob is missing")
	}
	if err != nil {
		return nil, err
	}
	st, err := b.Stat()
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("local drive: stat blob %s: %w", f.ContentHash, err)
	}
	if st.Size() != f.Size {
		b.Close()
		why := fmt.Sprintf("its blob holds %d bytes, not %d", st.Size(), f.Size)
		d.markBad(f.ContentHash, why)
		return nil, damaged(f, why)
	}
	return b, nil
}

// verifier hashes the content of a blob as it is read from the start, in
// order, and fails the read that completes it when the SHA-1 differs
// (withholding its bytes), marking the blob bad. Seeks back to the start
// restart the hash; reads elsewhere are not checked.
type verifier struct {
	d    *Drive
	f    *drive.File
	r    io.ReadSeeker
	h    hash.Hash
	pos  int64
	ok   bool // every byte before pos went through h
	done bool
}

func newVerifier(d *Drive, f *drive.File, r io.ReadSeeker) *verifier {
	h, _ := restoreSHA1(nil)
	return &verifier{d: d, f: f, r: r, h: h, ok: true}
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	if v.ok && n > 0 {
		v.h.Write(p[:n])
	}
	v.pos += int64(n)
	if v.ok && !v.done && v.pos >= v.f.Size {
		v.done = true
		if got := hexSum(v.h); got != v.f.ContentHash {
			why := fmt.Sprintf("its bytes hash to %s, not %s", got, v.f.ContentHash)
			v.d.markBad(v.f.ContentHash, why)
			return 0, damaged(v.f, why)
		}
	}
	return n, err
}

func (v *verifier) Seek(off int64, whence int) (int64, error) {
	pos, err := v.r.Seek(off, whence)
	if err != nil {
		return pos, err
	}
	if pos != v.pos {
		v.ok = pos == 0
		v.h.Reset()
		v.done = false
	}
	v.pos = pos
	return pos, nil
}
