package local

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

func openTest(t *testing.T) *Drive {
	t.Helper()
	d, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestUploadRoundTrip(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	content := bytes.Repeat([]byte("0123456789"), 3000)
	res, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "a.txt", Size: int64(len(content)),
		Content: bytes.NewReader(content), PartSize: 7000})
	if err != nil {
		t.Fatal(err)
	}
	if res.RapidUpload || res.BytesSent != int64(len(content)) {
		t.Fatalf("first upload: %+v", res)
	}
	rc, err := d.Download(ctx, res.File.FileID, 5, 10)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != string(content[5:15]) {
		t.Fatalf("download range = %q", got)
	}
	before := d.PartBytes()
	res2, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "b.txt", Size: int64(len(content)),
		Content: bytes.NewReader(content)})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.RapidUpload || d.PartBytes() != before {
		t.Fatalf("second upload not rapid: %+v", res2)
	}
	_, err = d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "b.txt", Size: 1, Content: bytes.NewReader([]byte("x"))})
	if !errors.Is(err, drive.ErrAlreadyExists) {
		t.Fatalf("upload onto existing name with refuse: err = %v", err)
	}
	l, err := d.List(ctx, drive.ListOptions{ParentFileID: drive.RootID})
	if err != nil || len(l.Items) != 2 {
		t.Fatalf("list = %+v, %v", l, err)
	}
}

// TestOutOfOrderPartsKeepHashing writes parts 3, 2, 1, 4 and checks that the
// running hash caught up (completion reads nothing back) and the content is right.
func TestOutOfOrderPartsKeepHashing(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	content := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	res, err := d.CreateFile(ctx, CreateFileRequest{ParentFileID: drive.RootID, Name: "o.bin", Size: int64(len(content)), PartSize: 20000})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{3, 2, 1, 4} {
		off, n := int64(p-1)*20000, min(int64(20000), int64(len(content))-int64(p-1)*20000)
		if _, err := d.WritePart(ctx, res.UploadID, p, bytes.NewReader(content[off:off+n]), n); err != nil {
			t.Fatalf("part %d: %v", p, err)
		}
	}
	s, err := d.loadSession(ctx, d.r, res.UploadID)
	if err != nil {
		t.Fatal(err)
	}
	if s.hashedUpto != int64(len(content)) {
		t.Fatalf("hashed up to %d of %d bytes after all parts", s.hashedUpto, len(content))
	}
	f, err := d.Complete(ctx, res.File.FileID, res.UploadID)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%X", sha1.Sum(content)); f.ContentHash != want {
		t.Fatalf("hash %s, want %s", f.ContentHash, want)
	}
}
