package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/aliyun"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// TestOurClientUnderRealLimits runs drive/aliyun against the embedded
// server with the real service's limits on (per-endpoint rates, 3
// downloads at once, sequential parts, asynchronous big-folder tasks) and
// its default pacing: every call must succeed, however the server
// refuses what is too fast or too many at once.
func TestOurClientUnderRealLimits(t *testing.T) {
	ts := local.NewTestServer(t, local.ServerOptions{AsyncThreshold: 3, EndpointRates: local.DefaultEndpointRates,
		DownloadConcurrency: local.DefaultDownloadConcurrency})
	c, err := aliyun.New(aliyun.Options{Account: "test", BaseURL: ts.URL, ClientID: ts.ClientID, ClientSecret: ts.ClientSecret,
		Token: &aliyun.Token{RefreshToken: ts.RefreshToken}, TokenFile: filepath.Join(t.TempDir(), "token.json"),
		BackoffBase: time.Millisecond, BackoffMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	dir, err := c.MkdirAll(ctx, "/src/sub")
	if err != nil {
		t.Fatal(err)
	}
	content := map[string][]byte{}
	var files []*drive.File
	for i := 0; i < 5; i++ {
		name := fmt.Sprintf("f%d.bin", i)
		data := bytes.Repeat([]byte{byte('a' + i)}, 200*1024+i)
		up, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: name, Size: int64(len(data)), Content: bytes.NewReader(data), PartSize: 64 * 1024})
		if err != nil {
			t.Fatalf("upload %s in 64 KiB parts, in order: %v", name, err)
		}
		content[up.File.FileID] = data
		files = append(files, up.File)
	}
	// 5 downloads at once against a limit of 3: the client waits and retries.
	var wg sync.WaitGroup
	errs := make(chan error, len(files))
	for _, f := range files {
		wg.Add(1)
		go func(f *drive.File) {
			defer wg.Done()
			rc, err := c.Download(ctx, f.FileID, 0, -1)
			if err != nil {
				errs <- fmt.Errorf("download %s: %w", f.Name, err)
				return
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err == nil && !bytes.Equal(b, content[f.FileID]) {
				err = fmt.Errorf("%d bytes differ", len(b))
			}
			if err != nil {
				errs <- fmt.Errorf("download %s: %w", f.Name, err)
			}
		}(f)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Folder copy and move above the async threshold: the client polls.
	dst, err := c.MkdirAll(ctx, "/dst")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := c.Copy(ctx, dir.FileID, dst.FileID, drive.CopyOptions{})
	if err != nil {
		t.Fatalf("copy of a big folder: %v", err)
	}
	lr, err := c.List(ctx, drive.ListOptions{ParentFileID: cp.FileID})
	if err != nil || len(lr.Items) != len(files) {
		t.Fatalf("the copy lists %v items (err %v), want %d", lr, err, len(files))
	}
	if _, err := c.Move(ctx, dir.FileID, dst.FileID, drive.MoveOptions{NewName: "moved"}); err != nil {
		t.Fatalf("move of a big folder to dst/moved: %v", err)
	}
	if f, err := c.GetByPath(ctx, "/dst/moved"); err != nil || f.FileID != dir.FileID {
		t.Fatalf("after the move /dst/moved is %v (err %v)", f, err)
	}
	if err := c.Trash(ctx, cp.FileID); err != nil {
		t.Fatalf("trash of a big folder: %v", err)
	}
	if err := c.Delete(ctx, dir.FileID); err != nil {
		t.Fatalf("delete of a big folder: %v", err)
	}
	if _, err := c.Get(ctx, dir.FileID); !errors.Is(err, drive.ErrNotFound) {
		t.Fatalf("get after delete: %v; want not found", err)
	}
	ts.Server.WaitTasks()
}
