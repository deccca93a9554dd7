package wasmmod

import (
	"errors"
	"fmt"
)

// ErrUnsupportedOpcode means a function body holds an instruction the
// instrumenter does not know how to skip; the caller falls back to running
// the module uninstrumented (with wazero's own termination checks).
var ErrUnsupportedOpcode = errors.New("wasmmod: unsupported opcode")

// Opcodes the instrumenter looks at or emits.
const (
	opIf        = 0x04
	opLoop      = 0x03
	opEnd       = 0x0B
	opCall      = 0x10
	opGlobalGet = 0x23
	opGlobalSet = 0x24
	opI32Const  = 0x41
	opI64Const  = 0x42
	opI32Eqz    = 0x45
	opI32Sub    = 0x6B
	opWrapI64   = 0xA7
	blockEmpty  = 0x40
	typeI32     = 0x7F
	typeI64     = 0x7E
)

// skipLEB skips one LEB128 number (signed or unsigned) of at most 10 bytes.
func (r *reader) skipLEB() error {
	for i := 0; i < 10; i++ {
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c&0x80 == 0 {
			return nil
		}
	}
	return errors.New("LEB128 integer too long")
}

// skipN skips n raw bytes.
func (r *reader) skipN(n int) error {
	if n > len(r.b)-r.off {
		return errShort
	}
	r.off += n
	return nil
}

// skipLEBs skips n LEB128 numbers.
func (r *reader) skipLEBs(n int) error {
	for i := 0; i < n; i++ {
		if err := r.skipLEB(); err != nil {
			return err
		}
	}
	return nil
}

// skipMemarg skips a memory argument: alignment (whose bit 6 announces an
// explicit memory index, multi-memory) and offset.
func (r *reader) skipMemarg() error {
	align, err := r.u32()
	if err != nil {
		return err
	}
	if align&0x40 != 0 {
		if err := r.skipLEB(); err != nil {
			return err
		}
	}
	return r.skipLEB()
}

// skipImmediates skips the immediates of instruction op, whose opcode byte
// was just read.
func (r *reader) skipImmediates(op byte) error {
	switch {
	case op <= 0x01, op == 0x05, op == opEnd, op == 0x0F, op == 0x1A, op == 0x1B, op == 0xD1,
		op >= 0x45 && op <= 0xC4:
		return nil // no immediates (control, drop/select, numeric)
	case op >= 0x02 && op <= opIf, op == 0x0C, op == 0x0D, op == opCall, op == 0x12,
		op >= 0x20 && op <= 0x26, op == 0x3F, op == 0x40, op == opI32Const, op == opI64Const, op == 0xD2:
		return r.skipLEB() // block type, label, function, local, global, table, memory, const
	case op == 0x0E: // br_table
		n, err := r.count()
		if err != nil {
			return err
		}
		return r.skipLEBs(n + 1)
	case op == 0x11, op == 0x13: // call_indirect, return_call_indirect
		return r.skipLEBs(2)
	case op == 0x1C: // select t*
		n, err := r.count()
		if err != nil {
			return err
		}
		return r.skipLEBs(n)
	case op >= 0x28 && op <= 0x3E:
		return r.skipMemarg()
	case op == 0x43:
		return r.skipN(4)
	case op == 0x44:
		return r.skipN(8)
	case op == 0xD0: // ref.null t
		return r.skipLEB()
	case op == 0xFC:
		return r.skipMisc()
	case op == 0xFD:
		return r.skipSIMD()
	case op == 0xFE:
		return r.skipAtomic()
	}
	return fmt.Errorf("%w 0x%02x at byte %d", ErrUnsupportedOpcode, op, r.off-1)
}

// skipMisc skips a 0xFC-prefixed instruction (saturating truncation, bulk
// memory and table operations).
func (r *reader) skipMisc() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 7:
		return nil
	case sub == 8, sub == 10, sub == 12, sub == 14:
		return r.skipLEBs(2)
	case sub == 9, sub == 11, sub == 13, sub == 15, sub == 16, sub == 17:
		return r.skipLEB()
	}
	return fmt.Errorf("%w 0xFC %d at byte %d", ErrUnsupportedOpcode, sub, r.off)
}

// skipSIMD skips a 0xFD-prefixed (128-bit SIMD) instruction.
func (r *reader) skipSIMD() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 11, sub == 92, sub == 93:
		return r.skipMemarg()
	case sub == 12, sub == 13:
		return r.skipN(16)
	case sub >= 21 && sub <= 34:
		return r.skipN(1)
	case sub >= 84 && sub <= 91:
		if err := r.skipMemarg(); err != nil {
			return err
		}
		return r.skipN(1)
	case sub <= 0x113:
		return nil
	}
	return fmt.Errorf("%w 0xFD %d at byte %d", ErrUnsupportedOpcode, sub, r.off)
}

// skipAtomic skips a 0xFE-prefixed (threads) instruction.
func (r *reader) skipAtomic() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub == 0x03: // atomic.fence
		return r.skipN(1)
	case sub <= 0x4E:
		return r.skipMemarg()
	}
	return fmt.Errorf("%w 0xFE %d at byte %d", ErrUnsupportedOpcode, sub, r.off)
}
