package aliyun

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// cutAt fails every read past limit bytes, like a process killed mid-upload.
type cutAt struct {
	r     io.ReaderAt
	limit int64
}

func (c cutAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > c.limit {
		return 0, errors.New("test: interrupted")
	}
	return c.r.ReadAt(p, off)
}

// TestResumeEmulatedOverwrite resumes an overwrite that the client
// emulates (the session's file has a free name): the resumed upload must
// still end up under the requested name, replacing the old file.
func TestResumeEmulatedOverwrite(t *testing.T) {
	native := false
	c, _ := newLocalClient(t, local.ServerOptions{}, func(o *Options) { o.NativeOverwrite = &native })
	ctx := context.Background()
	if _, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "f.bin", Size: 3,
		Content: bytes.NewReader([]byte("old"))}); err != nil {
		t.Fatal(err)
	}
	const part = 1 << 20
	content := bytes.Repeat([]byte("new content "), 3*part/12)
	var sess *drive.UploadSession
	req := drive.UploadRequest{ParentFileID: drive.RootID, Name: "f.bin", Size: int64(len(content)), PartSize: part,
		CheckNameMode: drive.NameOverwrite, Content: cutAt{bytes.NewReader(content), 2 * part},
		OnSession: func(s drive.UploadSession) { sess = &s }}
	if _, err := c.Upload(ctx, req); err == nil || sess == nil {
		t.Fatalf("interrupted upload: err %v, session %v", err, sess)
	}
	req.Content, req.Resume, req.OnSession = bytes.NewReader(content), sess, nil
	res, err := c.Upload(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.BytesSent != int64(len(content))-2*part || res.File.Name != "f.bin" {
		t.Fatalf("resumed overwrite: %+v %+v", res, res.File)
	}
	l, err := c.List(ctx, drive.ListOptions{ParentFileID: drive.RootID})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 || l.Items[0].Name != "f.bin" || l.Items[0].Size != int64(len(content)) {
		t.Fatalf("root holds %d files, first %+v; want only the new f.bin", len(l.Items), l.Items[0])
	}
}
