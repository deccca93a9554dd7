package aliyun

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"syscall"
)

// partBody returns the request body for bytes [off, off+n) of content, and
// whether it counts progress itself as the transport reads it.
//
// When content is an *os.File on Linux the part is sent from a fresh
// descriptor of the same file (/proc/self/fd/N opens a new file
// description, so parts in flight do not share a file offset), positioned
// at off: net/http then hands the file to the kernel (sendfile) and the
// bytes never pass through user space. Progress for such a part is
// reported when it completes. Any other ReaderAt is read through a
// counting section reader.
func partBody(content io.ReaderAt, off, n int64, add func(int64)) (body io.Reader, counted bool) {
	if n == 0 {
		return http.NoBody, true
	}
	if f, ok := content.(*os.File); ok && runtime.GOOS == "linux" {
		if g := reopen(f); g != nil {
			if _, err := g.Seek(off, io.SeekStart); err == nil {
				return &filePart{f: g, end: off + n}, false
			}
			g.Close()
		}
	}
	return &countingReader{r: io.NewSectionReader(content, off, n), add: add}, true
}

// reopen opens a new description of f's file, or returns nil when that is
// not possible or would not be the same file.
func reopen(f *os.File) *os.File {
	g, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil {
		return nil
	}
	a, err1 := f.Stat()
	b, err2 := g.Stat()
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		g.Close()
		return nil
	}
	return g
}

// filePart reads its file from the current offset up to end. It exposes
// the file's SyscallConn, so net.TCPConn.ReadFrom can sendfile it; since
// sendfile advances the file offset, Read derives what is left from the
// offset rather than from a counter of its own.
type filePart struct {
	f   *os.File
	end int64
}

func (p *filePart) Read(b []byte) (int, error) {
	pos, err := p.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	if pos >= p.end {
		return 0, io.EOF
	}
	if rem := p.end - pos; int64(len(b)) > rem {
		b = b[:rem]
	}
	return p.f.Read(b)
}

// SyscallConn lets the kernel copy the file to the socket.
func (p *filePart) SyscallConn() (syscall.RawConn, error) { return p.f.SyscallConn() }

// Close closes the part's descriptor.
func (p *filePart) Close() error { return p.f.Close() }
