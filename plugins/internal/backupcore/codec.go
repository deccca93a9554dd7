package backupcore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// The manifest's encoding: the magic, then the body:
//
//	root string, updated varint
//	uvarint n, n entries: string path,
//	  uvarint flags, varint size, varint mtime, [40]sha1?, [40]remote sha1?,
//	  varint remote size?, string file id, string link?, varint backed-up,
//	  varint deleted-at?
//	uvarint n, n versions: string path, uvarint flags, varint size, varint
//	  mtime, [40]sha1?, [40]remote sha1?, varint remote size?, string file id,
//	  varint from, varint to
//
// where "string" is a uvarint length and bytes, hashes are upper-case hex,
// and "?" fields are present when their flag is set; 100,000 entries take
// about 10 MB.
//
// The body is not compressed on purpose: the plugin decodes it inside Wasm,
// where the runner's interruptible mode (wazero's CloseOnContextDone) makes
// every loop iteration cost about 90 ns. Inflating 7.8 MB there took 2.1 s
// (a plain copy 0.1 s); the KV stores the larger value at native speed.
// For the same reason every string is stored whole (no prefix sharing, hex
// hashes): Decode converts the input to one string once and every path,
// id and hash is a substring of it, with no allocation per entry.
const magic = "WDM2"

// maxDecoded bounds the body a decoder accepts.
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
func Encode(m *Manifest) ([]byte, error) { return AppendEncoded(nil, m) }

// AppendEncoded appends the encoding of m to dst (reuse dst[:0] across
// saves: a long backup then encodes into one buffer, not a new 10 MB one
// each checkpoint).
func AppendEncoded(dst []byte, m *Manifest) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	body := bytes.NewBuffer(dst)
	body.Grow(encodedSize(m)) // one allocation at most: a doubling would leave 10 MB of garbage
	body.WriteString(magic)
	w := encoder{b: body}
	w.str(m.Root)
	w.varint(m.Updated)
	w.uvarint(uint64(len(m.Entries)))
	for i := range m.Entries {
		e := &m.Entries[i]
		w.str(e.Path)
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
	return body.Bytes(), nil
}

// encodedSize is the exact size of Encode's output (it mirrors Encode).
func encodedSize(m *Manifest) int {
	n := len(magic) + strLen(m.Root) + varintLen(m.Updated) + uvarintLen(uint64(len(m.Entries))) + uvarintLen(uint64(len(m.Versions)))
	for i := range m.Entries {
		e := &m.Entries[i]
		n += strLen(e.Path) + 1 + varintLen(e.Size) + varintLen(e.MTime) + hashesLen(e.SHA1, e.RemoteSHA1, e.RemoteSize) +
			strLen(e.FileID) + varintLen(e.BackedUp)
		if e.Link != "" {
			n += strLen(e.Link)
		}
		if e.DeletedAt != 0 {
			n += varintLen(e.DeletedAt)
		}
	}
	for i := range m.Versions {
		v := &m.Versions[i]
		n += strLen(v.Path) + 1 + varintLen(v.Size) + varintLen(v.MTime) + hashesLen(v.SHA1, v.RemoteSHA1, v.RemoteSize) +
			strLen(v.FileID) + varintLen(v.From) + varintLen(v.To)
	}
	return n
}

func hashesLen(sha, rsha string, rsize int64) int {
	n := len(sha) + len(rsha)
	if rsize != 0 {
		n += varintLen(rsize)
	}
	return n
}

func strLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

func varintLen(x int64) int {
	ux := uint64(x) << 1
	if x < 0 {
		ux = ^ux
	}
	return uvarintLen(ux)
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

type encoder struct {
	b   *bytes.Buffer
	tmp [binary.MaxVarintLen64]byte
}

func (w *encoder) uvarint(v uint64) { w.b.Write(w.tmp[:binary.PutUvarint(w.tmp[:], v)]) }
func (w *encoder) varint(v int64)   { w.b.Write(w.tmp[:binary.PutVarint(w.tmp[:], v)]) }
func (w *encoder) str(s string)     { w.uvarint(uint64(len(s))); w.b.WriteString(s) }

func (w *encoder) hashes(flags uint64, sha, rsha string, rsize int64) {
	if flags&fSHA1 != 0 {
		w.b.WriteString(strings.ToUpper(sha)) // validated: 40 hex digits
	}
	if flags&fRemoteSHA1 != 0 {
		w.b.WriteString(strings.ToUpper(rsha))
	}
	if flags&fRemoteSize != 0 {
		w.varint(rsize)
	}
}

// Decode parses an encoding made by Encode. It never panics on hostile
// input and bounds its allocations by the input's size.
func Decode(data []byte) (*Manifest, error) { return decodeString(string(data)) }

// decodeOwned is Decode without the copy: the manifest's strings share
// data, which the caller hands over and must never modify (a 100,000-file
// manifest is 10 MB; inside Wasm every copy and collection counts).
func decodeOwned(data []byte) (*Manifest, error) {
	return decodeString(unsafe.String(unsafe.SliceData(data), len(data)))
}

func decodeString(data string) (*Manifest, error) {
	if !strings.HasPrefix(data, magic) {
		return nil, fmt.Errorf("%w: bad magic (not a wasmdrive backup manifest)", ErrCorrupt)
	}
	if len(data) > maxDecoded {
		return nil, fmt.Errorf("%w: %d bytes is over the %d limit", ErrCorrupt, len(data), maxDecoded)
	}
	r := decoder{abi.NewReader(data, len(magic), ErrCorrupt)}
	m := &Manifest{}
	m.Root = r.Str()
	m.Updated = r.Varint()
	n := r.count(4)
	if r.Err() == nil {
		m.Entries = make([]Entry, 0, n)
	}
	for i := 0; i < n && r.Err() == nil; i++ {
		var e Entry
		e.Path = r.Str()
		flags := r.Uvarint()
		e.Size = r.Varint()
		e.MTime = r.Varint()
		e.SHA1, e.RemoteSHA1, e.RemoteSize = r.hashes(flags)
		e.FileID = r.Str()
		if flags&fLink != 0 {
			e.Link = r.Str()
		}
		e.BackedUp = r.Varint()
		if flags&fDeleted != 0 {
			e.DeletedAt = r.Varint()
		}
		m.Entries = append(m.Entries, e)
	}
	n = r.count(4)
	for i := 0; i < n && r.Err() == nil; i++ {
		var v Version
		v.Path = r.Str()
		flags := r.Uvarint()
		v.Size = r.Varint()
		v.MTime = r.Varint()
		v.SHA1, v.RemoteSHA1, v.RemoteSize = r.hashes(flags)
		v.FileID = r.Str()
		v.From = r.Varint()
		v.To = r.Varint()
		m.Versions = append(m.Versions, v)
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return m, nil
}

// decoder reads the body; strings are substrings of the input.
type decoder struct{ *abi.Reader }

// count reads an item count and checks that the rest of the input could
// hold that many items of at least minBytes each.
func (r *decoder) count(minBytes int) int {
	v := r.Uvarint()
	if v > uint64(r.Len()/minBytes) {
		r.Fail("item count exceeds the data")
		return 0
	}
	return int(v)
}

// hash reads 40 upper-case hex digits.
func (r *decoder) hash() string {
	h := r.Take(40)
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			r.Fail("hash is not upper-case hex")
			return ""
		}
	}
	return h
}

func (r *decoder) hashes(flags uint64) (sha, rsha string, rsize int64) {
	if flags&fSHA1 != 0 {
		sha = r.hash()
	}
	if flags&fRemoteSHA1 != 0 {
		rsha = r.hash()
	}
	if flags&fRemoteSize != 0 {
		rsize = r.Varint()
	}
	return sha, rsha, rsize
}
