package local

import (
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"sync"

	"github.com/wasmdrive/wasmdrive/drive"
)

const (
	// recvBufSize is the size of the blocks a part is received in.
	recvBufSize = 256 << 10
	// recvBufs is how many blocks one part has in flight.
	recvBufs = 8
	// writebackEvery is how many written bytes start a writeback.
	writebackEvery = 8 << 20
)

// recvPool recycles receive blocks across parts.
var recvPool = sync.Pool{New: func() any { b := make([]byte, recvBufSize); return &b }}

// castagnoli is the CRC-32C table of part ETags.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// receive writes the body at the part's offset, computing its CRC (and
// advancing w.h when set); the body must hold exactly the part.
//
// When the part continues the running SHA-1, the hashing, the costliest
// step, runs in a goroutine of its own fed with the blocks already
// written, so that it overlaps with the socket reads and file writes
// instead of adding to them. The writeback of what is written is started
// every few MiB (see startWriteback).
func (d *Drive) receive(w *receivedPart, body io.Reader) error {
	pl := &recvPipeline{w: w, free: make(chan *[]byte, recvBufs), off: w.off, flushed: w.off,
		writeback: !d.opts.NoSync, crc: crc32.New(castagnoli)}
	var hashed chan struct{}
	if w.h != nil {
		pl.toHash, hashed = make(chan hashBlock, recvBufs), make(chan struct{})
		go pl.hash(hashed)
	}
	cr := &countingReader{r: body, d: d}
	rerr := pl.read(cr)
	if pl.writeback && pl.off > pl.flushed {
		startWriteback(w.f, pl.flushed, pl.off-pl.flushed)
	}
	if hashed != nil {
		close(pl.toHash)
		<-hashed
	}
	for range pl.allocated { // every block is back: recycle them
		recvPool.Put(<-pl.free)
	}
	switch {
	case pl.werr != nil:
		return fmt.Errorf("local drive: write part %d: %w", w.part, pl.werr)
	case rerr != nil:
		return &drive.Error{Status: 400, Code: "IncompleteBody", Message: fmt.Sprintf("receiving part %d failed after %d bytes: %v", w.part, cr.n, rerr)}
	case cr.n != w.n:
		return drive.Invalid("part %d has %d bytes; it must have %d (part size %d, file size %d)", w.part, cr.n, w.n, w.s.partSize, w.s.size)
	}
	w.etag = fmt.Sprintf("%08X", pl.crc.Sum32())
	return nil
}

// recvPipeline receives one part: the caller's goroutine reads, writes
// and CRCs blocks, and hands them to the hasher, which gives them back.
type recvPipeline struct {
	w            *receivedPart
	free         chan *[]byte   // blocks the hasher is done with
	toHash       chan hashBlock // nil when the part is not hashed
	allocated    int            // blocks taken from recvPool
	off, flushed int64          // next offset to write; writeback started up to here
	writeback    bool
	crc          hash.Hash32
	werr         error // the first write error
}

// hashBlock is a written block for the hasher: b holds n bytes.
type hashBlock struct {
	b *[]byte
	n int
}

// block returns an empty block: a recycled one, or a new one while fewer
// than recvBufs are in flight.
func (pl *recvPipeline) block() *[]byte {
	if pl.allocated < recvBufs {
		select {
		case b := <-pl.free:
			return b
		default:
			pl.allocated++
			return recvPool.Get().(*[]byte)
		}
	}
	return <-pl.free
}

// read fills blocks from r until the part's length is read, writing each,
// then checks that r holds no more. A body that ends early is not an error
// here (the caller compares the count).
func (pl *recvPipeline) read(r io.Reader) error {
	for got := int64(0); got < pl.w.n; {
		b := pl.block()
		k, err := io.ReadFull(r, (*b)[:min(int64(len(*b)), pl.w.n-got)])
		got += int64(k)
		if k > 0 && pl.write((*b)[:k]) && pl.toHash != nil {
			pl.toHash <- hashBlock{b, k}
		} else {
			pl.free <- b
		}
		switch {
		case pl.werr != nil:
			return nil
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return nil
		case err != nil:
			return err
		}
	}
	var extra [1]byte
	if _, err := io.ReadFull(r, extra[:]); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// write writes p at the next offset and into the CRC; it reports success.
func (pl *recvPipeline) write(p []byte) bool {
	if _, err := pl.w.f.WriteAt(p, pl.off); err != nil {
		pl.werr = err
		return false
	}
	pl.crc.Write(p)
	pl.off += int64(len(p))
	if pl.writeback && pl.off-pl.flushed >= writebackEvery {
		startWriteback(pl.w.f, pl.flushed, pl.off-pl.flushed)
		pl.flushed = pl.off
	}
	return true
}

// hash advances the part's SHA-1 over the written blocks, in order, and
// closes done when toHash is closed and drained.
func (pl *recvPipeline) hash(done chan<- struct{}) {
	for hb := range pl.toHash {
		pl.w.h.Write((*hb.b)[:hb.n])
		pl.free <- hb.b
	}
	close(done)
}
