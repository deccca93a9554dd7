package linmem

import "syscall"

const supported = true

// reserve maps size bytes of private anonymous memory without reserving
// swap for it: pages are allocated on first touch.
func reserve(size int) ([]byte, error) {
	return syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
}

// release gives the pages back (they read as zero afterwards).
func release(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }

func unmap(b []byte) { _ = syscall.Munmap(b) }
