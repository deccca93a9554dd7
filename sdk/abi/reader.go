package abi

import "fmt"

// Reader reads the uvarints, zig-zag varints and length-prefixed strings of
// the binary formats in this package (binary answers, the scan index) and
// of plugins' own (the backup manifest). It reads from a string without
// copying: the strings it returns are substrings of the input. The first
// error sticks, wraps the format's error and moves to the end; later reads
// return zero values.
type Reader struct {
	s   string
	off int
	bad error
	err error
}

// NewReader reads s from byte off; errors wrap bad.
func NewReader(s string, off int, bad error) *Reader {
	return &Reader{s: s, off: off, bad: bad}
}

// Err is the first error, or nil.
func (r *Reader) Err() error { return r.err }

// Len is the number of bytes left.
func (r *Reader) Len() int { return len(r.s) - r.off }

// Fail records what was wrong (unless an error is already recorded) and
// stops the reading.
func (r *Reader) Fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at byte %d", r.bad, what, r.off)
	}
	r.off = len(r.s)
}

// Uvarint reads an unsigned LEB128 number of at most 64 bits.
func (r *Reader) Uvarint() uint64 {
	var v uint64
	for shift := uint(0); shift < 64 && r.off < len(r.s); shift += 7 {
		c := r.s[r.off]
		r.off++
		if c < 0x80 {
			if shift == 63 && c > 1 {
				break
			}
			return v | uint64(c)<<shift
		}
		v |= uint64(c&0x7f) << shift
	}
	r.Fail("bad varint")
	return 0
}

// Varint reads a zig-zag encoded signed number (encoding/binary's Varint).
func (r *Reader) Varint() int64 {
	u := r.Uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// Take reads the next n bytes.
func (r *Reader) Take(n uint64) string {
	if n > uint64(r.Len()) {
		r.Fail("string longer than the data")
		return ""
	}
	v := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return v
}

// Str reads a uvarint length and that many bytes.
func (r *Reader) Str() string { return r.Take(r.Uvarint()) }

// Done records an error if bytes are left over, and returns Err.
func (r *Reader) Done() error {
	if r.err == nil && r.Len() != 0 {
		r.Fail("trailing bytes")
	}
	return r.err
}
