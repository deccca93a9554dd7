package backupcore

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The manifest's encoding: the magic, the body's size (uvarint), then the
// body as a DEFLATE stream:
//
//	root string, updated varint
//	uvarint n, n entries: uvarint shared-prefix length, string suffix,
//	  uvarint flags, varint size, varint mtime, [20]sha1?, [20]remote sha1?,
//	  varint remote size?, string file id, string link?, varint backed-up,
//	  varint deleted-at?
//	uvarint n, n versions: string path, uvarint flags, varint size, varint
//	  mtime, [20]sha1?, [20]remote sha1?, varint remote size?, string file id,
//	  varint from, varint to
//
// where "string" is a uvarint length and bytes, and "?" fields are present
// when their flag is set. Paths are sorted, so prefix sharing and DEFLATE
// keep 100,000 entries to a few MB.
const magic = "WDM1"

// maxDecoded bounds the inflated size a decoder accepts.
const maxDecoded = 512 << 20

// ErrCorrupt reports an undecodable manifest.
var ErrCorrupt = errors.New("backup manifest is corrupt")

const (
	fSHA1 = 1 << iota
	fRemoteSHA1
	fRemoteSize
	fLink
	fDeleted
)

// Encode returns the compact encoding of m. m must be sorted (Sort) and
// valid (Validate).
func Encode(m *Manifest) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	var body bytes.Buffer
	body.Grow(64 + len(m.Entries)*96)
	w := encoder{b: &body}
	w.str(m.Root)
	w.varint(m.Updated)
	w.uvarint(uint64(len(m.Entries)))
	prev := ""
	for i := range m.Entries {
		e := &m.Entries[i]
		shared := commonPrefix(prev, e.Path)
		w.uvarint(uint64(shared))
		w.str(e.Path[shared:])
		prev = e.Path
		flags := hashFlags(e.SHA1, e.RemoteSHA1, e.RemoteSize)
		if e.Link != "" {
			flags |= fLink
		}
		if e.DeletedAt != 0 {
			flags |= fDeleted
		}
		w.uvarint(flags)
		w.varint(e.Size)
		w.varint(e.MTime)
		w.hashes(flags, e.SHA1, e.RemoteSHA1, e.RemoteSize)
		w.str(e.FileID)
		if flags&fLink != 0 {
			w.str(e.Link)
		}
		w.varint(e.BackedUp)
		if flags&fDeleted != 0 {
			w.varint(e.DeletedAt)
		}
	}
	w.uvarint(uint64(len(m.Versions)))
	for i := range m.Versions {
		v := &m.Versions[i]
		w.str(v.Path)
		flags := hashFlags(v.SHA1, v.RemoteSHA1, v.RemoteSize)
		w.uvarint(flags)
		w.varint(v.Size)
		w.varint(v.MTime)
		w.hashes(flags, v.SHA1, v.RemoteSHA1, v.RemoteSize)
		w.str(v.FileID)
		w.varint(v.From)
		w.varint(v.To)
	}
	var out bytes.Buffer
	out.Grow(body.Len()/2 + len(magic))
	out.WriteString(magic)
	w.b = &out
	w.uvarint(uint64(body.Len()))
	fw, err := flate.NewWriter(&out, flate.BestSpeed)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	if _, err := fw.Write(body.Bytes()); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	if err := fw.Close(); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return out.Bytes(), nil
}

func hashFlags(sha, rsha string, rsize int64) uint64 {
	var f uint64
	if sha != "" {
		f |= fSHA1
	}
	if rsha != "" {
		f |= fRemoteSHA1
	}
	if rsize != 0 {
		f |= fRemoteSize
	}
	return f
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

type encoder struct {
	b   *bytes.Buffer
	tmp [binary.MaxVarintLen64]byte
}

func (w *encoder) uvarint(v uint64) { w.b.Write(w.tmp[:binary.PutUvarint(w.tmp[:], v)]) }
func (w *encoder) varint(v int64)   { w.b.Write(w.tmp[:binary.PutVarint(w.tmp[:], v)]) }
func (w *encoder) str(s string)     { w.uvarint(uint64(len(s))); w.b.WriteString(s) }

func (w *encoder) hashes(flags uint64, sha, rsha string, rsize int64) {
	var h [20]byte
	if flags&fSHA1 != 0 {
		hex.Decode(h[:], []byte(sha)) // validated
		w.b.Write(h[:])
	}
	if flags&fRemoteSHA1 != 0 {
		hex.Decode(h[:], []byte(rsha))
		w.b.Write(h[:])
	}
	if flags&fRemoteSize != 0 {
		w.varint(rsize)
	}
}

// Decode parses an encoding made by Encode. It never panics on hostile
// input and bounds its allocations by the input's size.
func Decode(data []byte) (*Manifest, error) {
	if !bytes.HasPrefix(data, []byte(magic)) {
		return nil, fmt.Errorf("%w: bad magic (not a wasmdrive backup manifest)", ErrCorrupt)
	}
	size, n := binary.Uvarint(data[len(magic):])
	if n <= 0 || size > maxDecoded {
		return nil, fmt.Errorf("%w: bad body size", ErrCorrupt)
	}
	fr := flate.NewReader(bytes.NewReader(data[len(magic)+n:]))
	defer fr.Close()
	// The claimed size is checked against the stream, and the buffer grows
	// only as bytes arrive, so a lying header cannot force a huge allocation.
	body := make([]byte, 0, min(size, uint64(len(data))*64))
	buf := bytes.NewBuffer(body)
	if _, err := io.Copy(buf, io.LimitReader(fr, int64(size)+1)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	body = buf.Bytes()
	if uint64(len(body)) != size {
		return nil, fmt.Errorf("%w: body is %d bytes, header says %d", ErrCorrupt, len(body), size)
	}
	r := decoder{b: body}
	m := &Manifest{}
	m.Root = r.str()
	m.Updated = r.varint()
	n = r.count(4)
	if r.err == nil {
		m.Entries = make([]Entry, 0, n)
	}
	var prev string
	var sb strings.Builder
	for i := 0; i < n && r.err == nil; i++ {
		var e Entry
		shared := r.uvarint()
		suffix := r.bytes()
		if shared > uint64(len(prev)) {
			r.fail("shared prefix longer than the previous path")
			break
		}
		sb.Reset()
		sb.Grow(int(shared) + len(suffix))
		sb.WriteString(prev[:shared])
		sb.Write(suffix)
		e.Path = sb.String()
		prev = e.Path
		flags := r.uvarint()
		e.Size = r.varint()
		e.MTime = r.varint()
		e.SHA1, e.RemoteSHA1, e.RemoteSize = r.hashes(flags)
		e.FileID = r.str()
		if flags&fLink != 0 {
			e.Link = r.str()
		}
		e.BackedUp = r.varint()
		if flags&fDeleted != 0 {
			e.DeletedAt = r.varint()
		}
		m.Entries = append(m.Entries, e)
	}
	n = r.count(4)
	for i := 0; i < n && r.err == nil; i++ {
		var v Version
		v.Path = r.str()
		flags := r.uvarint()
		v.Size = r.varint()
		v.MTime = r.varint()
		v.SHA1, v.RemoteSHA1, v.RemoteSize = r.hashes(flags)
		v.FileID = r.str()
		v.From = r.varint()
		v.To = r.varint()
		m.Versions = append(m.Versions, v)
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return m, nil
}

type decoder struct {
	b   []byte
	err error
}

func (r *decoder) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
	r.b = nil
}

func (r *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *decoder) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads an item count and checks that the rest of the input could
// hold that many items of at least minBytes each.
func (r *decoder) count(minBytes int) int {
	v := r.uvarint()
	if v > uint64(len(r.b)/minBytes) {
		r.fail("item count exceeds the data")
		return 0
	}
	return int(v)
}

func (r *decoder) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("string longer than the data")
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *decoder) str() string { return string(r.bytes()) }

func (r *decoder) hash() string {
	if len(r.b) < 20 {
		r.fail("short hash")
		return ""
	}
	const digits = "0123456789ABCDEF"
	var buf [40]byte
	for i, c := range r.b[:20] {
		buf[2*i], buf[2*i+1] = digits[c>>4], digits[c&15]
	}
	r.b = r.b[20:]
	return string(buf[:])
}

func (r *decoder) hashes(flags uint64) (sha, rsha string, rsize int64) {
	if flags&fSHA1 != 0 {
		sha = r.hash()
	}
	if flags&fRemoteSHA1 != 0 {
		rsha = r.hash()
	}
	if flags&fRemoteSize != 0 {
		rsize = r.varint()
	}
	return sha, rsha, rsize
}
