package crypt

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// Stream format constants.
const (
	streamMagic = "WDC1"
	prefixSize  = 19
	// HeaderSize is the size of the stream header: magic and nonce prefix.
	HeaderSize = len(streamMagic) + prefixSize
	// SegmentSize is the plaintext size of every segment but the last.
	SegmentSize = 64 << 10
	tagSize     = chacha20poly1305.Overhead
)

// EncryptedSize is the ciphertext size of n plaintext bytes.
func EncryptedSize(n int64) int64 {
	segs := (n + SegmentSize - 1) / SegmentSize
	if segs == 0 {
		segs = 1
	}
	return int64(HeaderSize) + n + segs*tagSize
}

func (k *Keys) aead() cipher.AEAD {
	a, err := chacha20poly1305.NewX(k.content[:])
	if err != nil {
		panic(err) // the key is always 32 bytes
	}
	return a
}

func nonce(dst *[chacha20poly1305.NonceSizeX]byte, prefix []byte, counter uint32, last bool) {
	copy(dst[:], prefix)
	binary.BigEndian.PutUint32(dst[prefixSize:], counter)
	dst[prefixSize+4] = 0
	if last {
		dst[prefixSize+4] = 1
	}
}

// Writer encrypts a stream. Close writes the final segment and must be called.
type Writer struct {
	w       io.Writer
	aead    cipher.AEAD
	header  []byte
	buf     []byte // pending plaintext, ≤ SegmentSize
	out     []byte
	counter uint32
	n       [chacha20poly1305.NonceSizeX]byte
	err     error
}

// NewWriter writes the header to w and returns a Writer that encrypts into it.
func (k *Keys) NewWriter(w io.Writer) (*Writer, error) {
	h := make([]byte, HeaderSize)
	copy(h, streamMagic)
	if _, err := rand.Read(h[len(streamMagic):]); err != nil {
		return nil, fmt.Errorf("crypt: nonce: %w", err)
	}
	if _, err := w.Write(h); err != nil {
		return nil, fmt.Errorf("crypt: write header: %w", err)
	}
	return &Writer{w: w, aead: k.aead(), header: h, buf: make([]byte, 0, SegmentSize),
		out: make([]byte, 0, SegmentSize+tagSize)}, nil
}

func (e *Writer) seal(last bool) error {
	if e.counter == ^uint32(0) {
		return errors.New("crypt: stream too long")
	}
	nonce(&e.n, e.header[len(streamMagic):], e.counter, last)
	e.counter++
	e.out = e.aead.Seal(e.out[:0], e.n[:], e.buf, e.header)
	e.buf = e.buf[:0]
	if _, err := e.w.Write(e.out); err != nil {
		return fmt.Errorf("crypt: write: %w", err)
	}
	return nil
}

// Write encrypts p. A full segment is sealed only once more data follows,
// so the final segment is always the one Close seals.
func (e *Writer) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n := 0
	for len(p) > 0 {
		if len(e.buf) == SegmentSize {
			if e.err = e.seal(false); e.err != nil {
				return n, e.err
			}
		}
		c := copy(e.buf[len(e.buf):SegmentSize], p)
		e.buf = e.buf[:len(e.buf)+c]
		p = p[c:]
		n += c
	}
	return n, nil
}

// Close seals the final segment. It does not close the underlying writer.
func (e *Writer) Close() error {
	if e.err != nil {
		return e.err
	}
	e.err = e.seal(true)
	if e.err == nil {
		e.err = errors.New("crypt: writer closed")
		return nil
	}
	return e.err
}

// Reader decrypts a stream made by Writer.
type Reader struct {
	r       io.Reader
	aead    cipher.AEAD
	header  []byte
	in      []byte // ciphertext segment plus one look-ahead byte
	plain   []byte // decrypted, not yet read (a window of pbuf)
	pbuf    []byte
	counter uint32
	n       [chacha20poly1305.NonceSizeX]byte
	done    bool
	err     error
}

// NewReader reads and checks the header of r.
func (k *Keys) NewReader(r io.Reader) (*Reader, error) {
	h := make([]byte, HeaderSize)
	if _, err := io.ReadFull(r, h); err != nil {
		return nil, fmt.Errorf("%w: short header: %v", ErrAuth, err)
	}
	if string(h[:len(streamMagic)]) != streamMagic {
		return nil, fmt.Errorf("%w: not an encrypted backup file", ErrAuth)
	}
	return &Reader{r: r, aead: k.aead(), header: h, in: make([]byte, 0, SegmentSize+tagSize+1),
		pbuf: make([]byte, 0, SegmentSize)}, nil
}

// Read returns decrypted bytes. It returns ErrAuth for any tampering,
// including truncation (a stream must end with a final segment).
func (d *Reader) Read(p []byte) (int, error) {
	for len(d.plain) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		if d.done {
			return 0, io.EOF
		}
		d.err = d.next()
	}
	n := copy(p, d.plain)
	d.plain = d.plain[n:]
	return n, nil
}

// next decrypts one segment. It reads a segment plus one byte: if that
// byte exists the segment is not the last.
func (d *Reader) next() error {
	carry := len(d.in) // 0 or 1 look-ahead byte from the previous segment
	d.in = d.in[:SegmentSize+tagSize+1]
	n, err := io.ReadFull(d.r, d.in[carry:])
	n += carry
	last := false
	switch {
	case err == nil:
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		last = true
	default:
		return fmt.Errorf("crypt: read: %w", err)
	}
	seg := d.in[:n]
	if !last {
		seg = d.in[:n-1]
	}
	if len(seg) < tagSize {
		return fmt.Errorf("%w: truncated segment", ErrAuth)
	}
	nonce(&d.n, d.header[len(streamMagic):], d.counter, last)
	d.counter++
	plain, oerr := d.aead.Open(d.pbuf[:0], d.n[:], seg, d.header)
	if oerr != nil {
		return fmt.Errorf("%w: segment %d", ErrAuth, d.counter-1)
	}
	d.plain = plain
	if last {
		d.done = true
		d.in = d.in[:0]
	} else {
		// keep the look-ahead byte at the front for the next segment
		d.in[0] = d.in[n-1]
		d.in = d.in[:1]
	}
	return nil
}
