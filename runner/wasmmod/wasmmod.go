// Package wasmmod reads what a WebAssembly module exports and imports from
// its binary, without compiling it: enough for `wasmdrive plugin inspect`
// and for checking a manifest's entry points against the module before
// the (slow) compile.
package wasmmod

import (
	"errors"
	"fmt"
	"sort"
)

// Info is what a module declares.
type Info struct {
	Exports []string // exported function names, sorted
	Imports []string // imported functions as "module.name", sorted
}

// ErrNotWasm means the bytes do not start with the Wasm magic and version 1.
var ErrNotWasm = errors.New("wasmmod: not a WebAssembly module (bad magic or version)")

// Section ids and import/export kinds used here.
const (
	secImport = 2
	secExport = 7
	kindFunc  = 0
	kindTable = 1
	kindMem   = 2
	kindGlob  = 3
	maxItems  = 1 << 20
)

// Inspect parses the import and export sections of a module.
func Inspect(b []byte) (*Info, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" || string(b[4:8]) != "\x01\x00\x00\x00" {
		return nil, ErrNotWasm
	}
	r := &reader{b: b, off: 8}
	info := &Info{}
	for r.off < len(r.b) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		if uint64(size) > uint64(len(r.b)-r.off) {
			return nil, fmt.Errorf("wasmmod: section %d at %d: size %d past the end", id, r.off, size)
		}
		sec := &reader{b: r.b[:r.off+int(size)], off: r.off}
		r.off += int(size)
		switch id {
		case secImport:
			if err := sec.imports(info); err != nil {
				return nil, fmt.Errorf("wasmmod: import section: %w", err)
			}
		case secExport:
			if err := sec.exports(info); err != nil {
				return nil, fmt.Errorf("wasmmod: export section: %w", err)
			}
		}
	}
	sort.Strings(info.Exports)
	sort.Strings(info.Imports)
	return info, nil
}

type reader struct {
	b   []byte
	off int
}

var errShort = errors.New("unexpected end of data")

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errShort
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

// u32 reads an unsigned LEB128 of at most 5 bytes.
func (r *reader) u32() (uint32, error) {
	var v uint32
	for shift := uint(0); shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("LEB128 integer too long")
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if uint64(n) > uint64(len(r.b)-r.off) {
		return "", errShort
	}
	s := string(r.b[r.off : r.off+int(n)])
	r.off += int(n)
	return s, nil
}

func (r *reader) count() (int, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if n > maxItems || int(n) > len(r.b)-r.off {
		return 0, fmt.Errorf("count %d is too large", n)
	}
	return int(n), nil
}

func (r *reader) limits() error {
	flag, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.u32(); err != nil {
		return err
	}
	if flag&1 != 0 {
		_, err = r.u32()
	}
	return err
}

func (r *reader) imports(info *Info) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		mod, err := r.name()
		if err != nil {
			return err
		}
		name, err := r.name()
		if err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		switch kind {
		case kindFunc:
			if _, err := r.u32(); err != nil {
				return err
			}
			info.Imports = append(info.Imports, mod+"."+name)
		case kindTable:
			if _, err := r.byte(); err != nil {
				return err
			}
			err = r.limits()
		case kindMem:
			err = r.limits()
		case kindGlob:
			if _, err := r.byte(); err != nil {
				return err
			}
			_, err = r.byte()
		default:
			return fmt.Errorf("import %d: unknown kind %d", i, kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) exports(info *Info) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		name, err := r.name()
		if err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		if _, err := r.u32(); err != nil {
			return err
		}
		if kind == kindFunc {
			info.Exports = append(info.Exports, name)
		}
	}
	return nil
}
