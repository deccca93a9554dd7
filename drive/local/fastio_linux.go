//go:build linux && (amd64 || arm64)

package local

import (
	"fmt"
	"hash"
	"os"
	"syscall"
)

// startWriteback asks the kernel to start writing bytes [off, off+n) of f
// to disk now, without waiting for them. The data file of an upload is
// fsynced once, at completion; starting the writeback of each part as it
// lands overlaps the disk writes with the transfer of the next parts, so
// that fsync finds little left to do. It is only a hint: errors are
// ignored, and durability still comes from the fsync.
func startWriteback(f *os.File, off, n int64) {
	const syncFileRangeWrite = 2 // SYNC_FILE_RANGE_WRITE
	_, _, _ = syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, f.Fd(), uintptr(off), uintptr(n), syncFileRangeWrite, 0, 0)
}

// mapChunk is how much of a file hashRange maps at a time.
const mapChunk = 64 << 20

// hashRange writes bytes [off, off+n) of f into h. It maps the file rather
// than reading it, so the bytes (just written, in the page cache) are hashed
// where they are instead of being copied out first. A range that cannot be
// mapped, or that the file does not hold (touching a mapping past the end of
// a file would fault), is read.
func hashRange(h hash.Hash, f *os.File, off, n int64) error {
	if st, err := f.Stat(); err != nil || off+n > st.Size() {
		return readHash(h, f, off, n)
	}
	page := int64(os.Getpagesize())
	for n > 0 {
		start := off &^ (page - 1) // mmap offsets are page aligned
		skip := off - start
		k := min(n, mapChunk)
		m, err := syscall.Mmap(int(f.Fd()), start, int(skip+k), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
		if err != nil {
			return readHash(h, f, off, n)
		}
		h.Write(m[skip : skip+k])
		if err := syscall.Munmap(m); err != nil {
			return fmt.Errorf("unmap upload data: %w", err)
		}
		off, n = off+k, n-k
	}
	return nil
}
