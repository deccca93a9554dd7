package wasmmod

import (
	"bytes"
	"errors"
	"fmt"
)

// Loop-header ticks: a cheap way to keep a guest interruptible.
//
// wazero's WithCloseOnContextDone makes every loop header of the compiled
// guest call back into Go to check the context (about 60–80 ns here), which
// makes Go-compiled guests, whose JSON decoding, maps and garbage collector
// are all loops, three to five times slower. Instrument instead gives the
// module a fuel counter (a new mutable i32 global) that every loop header
// decrements; when it reaches zero the loop calls the host once (the
// module's own import of the tick function) and stores the fuel the host
// returns. The host checks the call's context there and ends the call when
// it is done. A spinning guest thus reaches the host every TickFuel
// iterations (microseconds), which also lets the Go scheduler stop it for
// garbage collection, at the cost of a few register instructions per
// iteration instead of a call.

// TickFuel is how many loop iterations a guest runs between two ticks; the
// host's tick answers it to refill the counter.
const TickFuel = 1 << 16

// Tick names the import a loop header calls when its fuel runs out: a
// function of type (i64, i64, i64) -> i64 that the module already imports,
// called with (Code, 0, 0), returning the new fuel.
type Tick struct {
	Module, Name string
	Code         int64
}

// ErrNoTickImport means the module does not import the tick function (with
// the right type), so it cannot be instrumented.
var ErrNoTickImport = errors.New("wasmmod: the module does not import the tick function")

// Section ids beyond those in wasmmod.go.
const (
	secCustom = 0
	secType   = 1
	secGlobal = 6
	secCode   = 10
)

type section struct {
	id   byte
	body []byte
}

// Instrument returns a copy of module b whose loops tick through t. It
// refuses (with an error, never a panic) bytes that are not a well-formed
// module, modules without the tick import and instructions it does not
// know; the caller then runs the original module with wazero's own checks.
func Instrument(b []byte, t Tick) ([]byte, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" || string(b[4:8]) != "\x01\x00\x00\x00" {
		return nil, ErrNotWasm
	}
	secs, err := splitSections(b)
	if err != nil {
		return nil, err
	}
	var types [][]byte // each function type's params+results signature, encoded
	tickFn, globalImports, globals := -1, 0, 0
	codeAt, globalAt := -1, -1
	for i, s := range secs {
		r := &reader{b: s.body}
		switch s.id {
		case secType:
			if types, err = r.funcTypes(); err != nil {
				return nil, fmt.Errorf("wasmmod: type section: %w", err)
			}
		case secImport:
			if tickFn, globalImports, err = r.importIndexes(t, types); err != nil {
				return nil, fmt.Errorf("wasmmod: import section: %w", err)
			}
		case secGlobal:
			globalAt = i
			if globals, err = r.count(); err != nil {
				return nil, fmt.Errorf("wasmmod: global section: %w", err)
			}
		case secCode:
			codeAt = i
		}
	}
	if tickFn < 0 {
		return nil, ErrNoTickImport
	}
	fuel := uint32(globalImports + globals)
	snippet := tickSnippet(fuel, uint32(tickFn), t.Code)
	if codeAt >= 0 {
		code, err := rewriteCode(secs[codeAt].body, snippet)
		if err != nil {
			return nil, fmt.Errorf("wasmmod: code section: %w", err)
		}
		secs[codeAt].body = code
	}
	fuelGlobal := []byte{typeI32, 1, opI32Const}
	fuelGlobal = appendSLEB(fuelGlobal, TickFuel)
	fuelGlobal = append(fuelGlobal, opEnd)
	if globalAt >= 0 {
		body := appendULEB(nil, uint32(globals+1))
		r := &reader{b: secs[globalAt].body}
		r.count() // already read once above
		body = append(body, secs[globalAt].body[r.off:]...)
		secs[globalAt].body = append(body, fuelGlobal...)
	} else {
		secs = insertGlobalSection(secs, append([]byte{1}, fuelGlobal...))
	}
	out := bytes.NewBuffer(make([]byte, 0, len(b)+len(b)/8))
	out.Write(b[:8])
	for _, s := range secs {
		out.WriteByte(s.id)
		out.Write(appendULEB(nil, uint32(len(s.body))))
		out.Write(s.body)
	}
	return out.Bytes(), nil
}

// splitSections cuts a module into its sections.
func splitSections(b []byte) ([]section, error) {
	r := &reader{b: b, off: 8}
	var secs []section
	for r.off < len(r.b) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("wasmmod: section %d: %w", id, err)
		}
		if uint64(size) > uint64(len(r.b)-r.off) {
			return nil, fmt.Errorf("wasmmod: section %d at %d: size %d past the end", id, r.off, size)
		}
		secs = append(secs, section{id: id, body: r.b[r.off : r.off+int(size)]})
		r.off += int(size)
	}
	return secs, nil
}

// insertGlobalSection places a new global section before the first section
// that must follow it.
func insertGlobalSection(secs []section, body []byte) []section {
	at := len(secs)
	for i, s := range secs {
		if s.id != secCustom && (s.id >= secExport && s.id <= 12) {
			at = i
			break
		}
	}
	return append(secs[:at], append([]section{{id: secGlobal, body: body}}, secs[at:]...)...)
}

// tickSnippet is the code inserted at every loop header:
//
//	global.get $fuel; i32.eqz
//	if; i64.const code; i64.const 0; i64.const 0; call $tick; i32.wrap_i64; global.set $fuel; end
//	global.get $fuel; i32.const 1; i32.sub; global.set $fuel
func tickSnippet(fuel, tick uint32, code int64) []byte {
	s := appendULEB([]byte{opGlobalGet}, fuel)
	s = append(s, opI32Eqz, opIf, blockEmpty, opI64Const)
	s = appendSLEB(s, code)
	s = append(s, opI64Const, 0, opI64Const, 0, opCall)
	s = appendULEB(s, tick)
	s = append(s, opWrapI64, opGlobalSet)
	s = appendULEB(s, fuel)
	s = append(s, opEnd, opGlobalGet)
	s = appendULEB(s, fuel)
	s = append(s, opI32Const, 1, opI32Sub, opGlobalSet)
	return appendULEB(s, fuel)
}

// rewriteCode inserts snippet after the block type of every loop.
func rewriteCode(body, snippet []byte) ([]byte, error) {
	r := &reader{b: body}
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	out := appendULEB(make([]byte, 0, len(body)+len(body)/4), uint32(n))
	var fn []byte
	for i := 0; i < n; i++ {
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		if uint64(size) > uint64(len(r.b)-r.off) {
			return nil, fmt.Errorf("function %d: size %d past the end", i, size)
		}
		f := &reader{b: r.b[r.off : r.off+int(size)]}
		r.off += int(size)
		if fn, err = rewriteFunc(fn[:0], f, snippet); err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		out = appendULEB(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	if r.off != len(r.b) {
		return nil, errors.New("trailing bytes after the last function")
	}
	return out, nil
}

// rewriteFunc copies one function body from f to out with the snippet after
// each loop's block type.
func rewriteFunc(out []byte, f *reader, snippet []byte) ([]byte, error) {
	groups, err := f.count()
	if err != nil {
		return nil, err
	}
	for j := 0; j < groups; j++ {
		if err := f.skipLEBs(2); err != nil { // count, value type
			return nil, fmt.Errorf("locals: %w", err)
		}
	}
	from := 0
	for f.off < len(f.b) {
		op, _ := f.byte()
		if err := f.skipImmediates(op); err != nil {
			return nil, err
		}
		if op == opLoop {
			out = append(out, f.b[from:f.off]...)
			out = append(out, snippet...)
			from = f.off
		}
	}
	return append(out, f.b[from:]...), nil
}

// funcTypes reads the type section as encoded (params, results) pairs.
func (r *reader) funcTypes() ([][]byte, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	types := make([][]byte, n)
	for i := range types {
		start := r.off
		form, err := r.byte()
		if err != nil {
			return nil, err
		}
		if form != 0x60 {
			return nil, fmt.Errorf("type %d: %w form 0x%02x", i, ErrUnsupportedOpcode, form)
		}
		for k := 0; k < 2; k++ { // params, results
			m, err := r.count()
			if err != nil {
				return nil, err
			}
			if err := r.skipN(m); err != nil {
				return nil, err
			}
		}
		types[i] = r.b[start+1 : r.off]
	}
	return types, nil
}

// tickType is (i64, i64, i64) -> i64 as encoded in the type section.
var tickType = []byte{3, typeI64, typeI64, typeI64, 1, typeI64}

// importIndexes finds the tick function's index and counts imported
// functions and globals.
func (r *reader) importIndexes(t Tick, types [][]byte) (tick, globals int, err error) {
	funcs := 0
	tick = -1
	n, err := r.count()
	if err != nil {
		return -1, 0, err
	}
	for i := 0; i < n; i++ {
		mod, err := r.name()
		if err != nil {
			return -1, 0, err
		}
		name, err := r.name()
		if err != nil {
			return -1, 0, err
		}
		kind, err := r.byte()
		if err != nil {
			return -1, 0, err
		}
		switch kind {
		case kindFunc:
			ti, err := r.u32()
			if err != nil {
				return -1, 0, err
			}
			if mod == t.Module && name == t.Name && int(ti) < len(types) && bytes.Equal(types[ti], tickType) {
				tick = funcs
			}
			funcs++
		case kindTable:
			if err = r.skipLEB(); err == nil {
				err = r.limits()
			}
		case kindMem:
			err = r.limits()
		case kindGlob:
			globals++
			err = r.skipN(2)
		default:
			err = fmt.Errorf("import %d: unknown kind %d", i, kind)
		}
		if err != nil {
			return -1, 0, err
		}
	}
	return tick, globals, nil
}

func appendULEB(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendSLEB(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
