package linmem

import (
	"testing"
	"unsafe"
)

func TestGrowsInPlace(t *testing.T) {
	if !supported {
		t.Skip("no reservations on this platform")
	}
	const page = 64 << 10
	before := Reserved()
	m := Allocator().Allocate(2*page, 64*page)
	if _, ok := m.(*mappedMemory); !ok {
		t.Fatalf("got %T, want a reservation", m)
	}
	if got := Reserved() - before; got != 64*page {
		t.Errorf("reserved %d bytes, want %d", got, 64*page)
	}
	b := m.Reallocate(2 * page)
	b[len(b)-1] = 7
	base := unsafe.SliceData(b)
	for _, size := range []uint64{3 * page, 40 * page, 64 * page} {
		g := m.Reallocate(size)
		if uint64(len(g)) != size || unsafe.SliceData(g) != base {
			t.Fatalf("grow to %d: len %d, moved %v", size, len(g), unsafe.SliceData(g) != base)
		}
		if g[2*page-1] != 7 {
			t.Fatal("contents lost on grow")
		}
		g[size-1] = 1 // the whole length is writable
	}
	if m.Reallocate(65*page) != nil {
		t.Error("grew beyond the reservation")
	}
	m.Free()
	m.Free() // idempotent
	if m.Reallocate(page) != nil {
		t.Error("a freed memory grew")
	}
}

func TestUnboundedMaxIsCapped(t *testing.T) {
	if !supported {
		t.Skip("no reservations on this platform")
	}
	m := Allocator().Allocate(0, 1<<40).(*mappedMemory)
	defer m.Free()
	if len(m.buf) != maxReserve {
		t.Errorf("reserved %d, want %d", len(m.buf), maxReserve)
	}
}

func TestHeapFallback(t *testing.T) {
	m := &heapMemory{}
	b := m.Reallocate(10)
	b[9] = 3
	if g := m.Reallocate(100); len(g) != 100 || g[9] != 3 {
		t.Fatalf("heap grow: len %d", len(g))
	}
	m.Free()
}
