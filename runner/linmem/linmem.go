// Package linmem backs Wasm linear memories with reserved address space, so
// that growing a memory never copies it.
//
// wazero's default linear memory is a Go []byte that grows by append: every
// memory.grow of a Go-compiled guest (whose heap grows a few pages at a
// time) copies the whole memory, which made up about a tenth of a plugin's
// batch copy. Allocator reserves the memory's maximum size up front (address
// space only, mmap with MAP_NORESERVE) and grows in place; pages cost
// resident memory only once the guest touches them.
//
// Freeing releases the pages at once but unmaps the reservation only after
// a grace period: a module can be closed while its guest still runs (a
// runtime closed at shutdown), and that guest must fault-free reach its next
// host call, where wazero stops it, rather than touch unmapped memory.
package linmem

import (
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/experimental"
)

// UnmapDelay is how long a freed memory stays mapped (address space
// only: its pages are released at once).
const UnmapDelay = time.Minute

// maxReserve caps one reservation (the 32-bit Wasm address space).
const maxReserve = 4 << 30

// reserved counts bytes of address space reserved and not yet unmapped.
var reserved atomic.Int64

// Reserved reports the address space currently reserved, in bytes.
func Reserved() int64 { return reserved.Load() }

// Allocator returns the allocator, or nil where reserving address space is
// not supported (wazero then uses Go slices).
func Allocator() experimental.MemoryAllocator {
	if !supported {
		return nil
	}
	return experimental.MemoryAllocatorFunc(allocate)
}

func allocate(capBytes, maxBytes uint64) experimental.LinearMemory {
	size := maxBytes
	if size < capBytes {
		size = capBytes
	}
	if size == 0 || size > maxReserve {
		size = maxReserve
	}
	b, err := reserve(int(size))
	if err != nil {
		return &heapMemory{}
	}
	reserved.Add(int64(len(b)))
	return &mappedMemory{buf: b}
}

// mappedMemory is a linear memory inside one reservation.
type mappedMemory struct {
	buf []byte
}

// Reallocate grows (or shrinks) the memory in place; nil when size is
// beyond the reservation.
func (m *mappedMemory) Reallocate(size uint64) []byte {
	if m.buf == nil || size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size]
}

// Free releases the pages now and the reservation after UnmapDelay.
func (m *mappedMemory) Free() {
	b := m.buf
	if b == nil {
		return
	}
	m.buf = nil
	release(b)
	time.AfterFunc(UnmapDelay, func() {
		unmap(b)
		reserved.Add(-int64(len(b)))
	})
}

// heapMemory is the fallback when a reservation fails: a Go slice, as
// wazero would use.
type heapMemory struct {
	buf []byte
}

func (m *heapMemory) Reallocate(size uint64) []byte {
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	m.buf = append(m.buf, make([]byte, size-uint64(len(m.buf)))...)
	return m.buf
}

func (m *heapMemory) Free() { m.buf = nil }
