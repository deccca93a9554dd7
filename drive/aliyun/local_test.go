package aliyun

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// newLocalClient returns a client of a drive/local test server.
func newLocalClient(t testing.TB, so local.ServerOptions, mod func(*Options)) (*Client, *local.TestServer) {
	t.Helper()
	ts := local.NewTestServer(t, so)
	o := Options{Account: "test", BaseURL: ts.URL, ClientID: ts.ClientID, ClientSecret: ts.ClientSecret,
		Token: &Token{RefreshToken: ts.RefreshToken}, TokenFile: filepath.Join(t.TempDir(), "token.json"),
		RateLimit: -1, BackoffBase: time.Millisecond, BackoffMax: 20 * time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, ts
}

func TestAgainstLocalServer(t *testing.T) {
	for _, native := range []bool{true, false} {
		t.Run(map[bool]string{true: "native overwrite", false: "emulated overwrite"}[native], func(t *testing.T) {
			c, ts := newLocalClient(t, local.ServerOptions{}, func(o *Options) { o.NativeOverwrite = &native })
			testAgainstLocal(t, c, ts)
		})
	}
}

func testAgainstLocal(t *testing.T, c *Client, ts *local.TestServer) {
	ctx := context.Background()
	dir, err := c.MkdirAll(ctx, "/a/b")
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
	res, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: "f.bin", Size: int64(len(data)),
		Content: bytes.NewReader(data), PartSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.RapidUpload || res.BytesSent != int64(len(data)) || ts.Server.BodyBytes() != int64(len(data)) {
		t.Fatalf("first upload: %+v, server got %d", res, ts.Server.BodyBytes())
	}
	res2, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "g.bin", Size: int64(len(data)),
		Content: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.RapidUpload || ts.Server.BodyBytes() != int64(len(data)) {
		t.Fatalf("second upload not rapid: %+v", res2)
	}
	f, err := c.GetByPath(ctx, "/a/b/f.bin")
	if err != nil || f.FileID != res.File.FileID {
		t.Fatalf("get by path: %v %+v", err, f)
	}
	rc, err := c.Download(ctx, f.FileID, 5, 100)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data[5:105]) {
		t.Fatalf("ranged download: %v, %d bytes", err, len(got))
	}
	// from an *os.File the parts go out through sendfile
	fp := filepath.Join(t.TempDir(), "src.bin")
	big := append(bytes.Repeat([]byte("x"), 1<<20+123), data[:4096]...)
	if err := os.WriteFile(fp, big, 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(fp)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var progressed int64
	fr, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: "fromfile.bin", Size: int64(len(big)), Content: file,
		PartSize: 256 << 10, Progress: func(n int64) { progressed = n }})
	if err != nil {
		t.Fatal(err)
	}
	if fr.BytesSent != int64(len(big)) || progressed != int64(len(big)) {
		t.Fatalf("from file: sent %d, progress %d, want %d", fr.BytesSent, progressed, len(big))
	}
	rc, err = c.Download(ctx, fr.File.FileID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("content uploaded from a file differs (%v, %d bytes)", err, len(got))
	}
	if err := c.Trash(ctx, fr.File.FileID); err != nil {
		t.Fatal(err)
	}
	// overwrite replaces, keeping one file of the name
	small := []byte("new content")
	if _, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: "f.bin", Size: int64(len(small)),
		Content: bytes.NewReader(small), CheckNameMode: drive.NameOverwrite}); err != nil {
		t.Fatal(err)
	}
	l, err := c.List(ctx, drive.ListOptions{ParentFileID: dir.FileID})
	if err != nil || len(l.Items) != 1 || l.Items[0].Size != int64(len(small)) {
		t.Fatalf("after overwrite: %v %+v", err, l)
	}
	if _, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: "f.bin", Size: 1,
		Content: bytes.NewReader([]byte("x"))}); !errors.Is(err, drive.ErrAlreadyExists) {
		t.Fatalf("refuse: %v", err)
	}
	// batch with a missing id
	results, err := c.Batch(ctx, []drive.BatchRequest{
		{Op: drive.OpCopy, FileID: res2.File.FileID, ToParentID: dir.FileID},
		{Op: drive.OpCopy, FileID: "nope", ToParentID: dir.FileID},
	}, drive.BatchOptions{})
	if err != nil || results[0].Error != nil || !errors.Is(results[1].Error, drive.ErrNotFound) {
		t.Fatalf("batch: %v %+v", err, results)
	}
	if err := c.Trash(ctx, res2.File.FileID); err != nil {
		t.Fatal(err)
	}
	if err := c.Restore(ctx, res2.File.FileID); err != nil {
		t.Fatal(err)
	}
	if c.Refreshes() != 1 {
		t.Fatalf("refreshes %d", c.Refreshes())
	}
}
