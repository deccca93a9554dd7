package local

import (
	"bytes"
	"context"
	"errors"
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
