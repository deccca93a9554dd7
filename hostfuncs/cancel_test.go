package hostfuncs

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// cancellingDrive is the local drive with one twist: the first bytes an
// upload or download moves cancel the call, so the tests below cancel a
// transfer in the middle, deterministically.
type cancellingDrive struct {
	*local.Drive
	cancel context.CancelFunc
}

type readerAtFunc func(p []byte, off int64) (int, error)

func (f readerAtFunc) ReadAt(p []byte, off int64) (int, error) { return f(p, off) }

func (d cancellingDrive) Upload(ctx context.Context, req drive.UploadRequest) (*drive.UploadResult, error) {
	inner := req.Content
	req.Content = readerAtFunc(func(p []byte, off int64) (int, error) {
		d.cancel()
		return inner.ReadAt(p, off)
	})
	return d.Drive.Upload(ctx, req)
}

type cancelReader struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (r cancelReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p[:min(len(p), 1024)])
	r.cancel()
	return n, err
}

func (d cancellingDrive) Download(ctx context.Context, id string, off, n int64) (io.ReadCloser, error) {
	rc, err := d.Drive.Download(ctx, id, off, n)
	if err != nil {
		return nil, err
	}
	return cancelReader{rc, d.cancel}, nil
}

func TestTransfersStopWhenCancelled(t *testing.T) {
	f := newFixture(t, AllowAll())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.env.Drive = cancellingDrive{f.drive, cancel}
	src := filepath.Join(f.dir, "big.bin")
	big := make([]byte, 4<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := os.WriteFile(src, big, 0o644); err != nil {
		t.Fatal(err)
	}
	e := callHandler(t, ctx, f.env, abi.FnDriveUpload, abi.UploadRequest{LocalPath: src, ParentPath: "/up"})
	if code(e) != abi.CodeCancelled {
		t.Errorf("cancelled upload: %+v", e.Error)
	}
	if _, err := f.drive.GetByPath(context.Background(), "/up/big.bin"); err == nil {
		t.Error("a cancelled upload left a file on the drive")
	}

	// Download: upload for real first, then cancel while streaming.
	up, err := f.drive.Upload(context.Background(), drive.UploadRequest{ParentFileID: drive.RootID, Name: "big.bin",
		Size: int64(len(big)), Content: readerAtFunc(func(p []byte, off int64) (int, error) {
			n := copy(p, big[off:])
			if n < len(p) {
				return n, io.EOF
			}
			return n, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	f.env.Drive = cancellingDrive{f.drive, cancel2}
	dst := filepath.Join(f.dir, "out", "big.bin")
	e = callHandler(t, ctx2, f.env, abi.FnDriveDownload, abi.DownloadRequest{FileID: up.File.FileID, LocalPath: dst})
	if code(e) != abi.CodeCancelled {
		t.Errorf("cancelled download: %+v", e.Error)
	}
	if ents, _ := os.ReadDir(filepath.Dir(dst)); len(ents) != 0 {
		t.Errorf("a cancelled download left %d files (want none, not even a partial one)", len(ents))
	}
}

func TestNoDriveBound(t *testing.T) {
	f := newFixture(t, AllowAll())
	f.env.Drive = nil
	if e := callHandler(t, context.Background(), f.env, abi.FnDriveGet, abi.GetRequest{FileID: "x"}); code(e) != abi.CodeUnavailable {
		t.Errorf("drive call without a drive: %+v", e.Error)
	}
	if e := callHandler(t, context.Background(), f.env, abi.FnNow, nil); !e.OK {
		t.Errorf("wd_now without a drive: %+v", e.Error)
	}
}
