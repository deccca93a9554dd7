package local

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
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

// TestConcurrentParts sends the parts of one upload from several goroutines
// (in any order, one of them twice) and checks the running hash still covers
// the whole content at completion, so completing reads nothing back.
func TestConcurrentParts(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	const part = 10000
	content := make([]byte, 12*part+77)
	for i := range content {
		content[i] = byte(i * 7)
	}
	res, err := d.CreateFile(ctx, CreateFileRequest{ParentFileID: drive.RootID, Name: "c.bin", Size: int64(len(content)), PartSize: part})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var dup atomic.Int32
	for p := res.Parts; p >= 1; p-- {
		for range 1 + p%5/4 { // parts 4 and 9 are sent twice
			wg.Add(1)
			go func() {
				defer wg.Done()
				off, n := int64(p-1)*part, min(int64(part), int64(len(content))-int64(p-1)*part)
				_, err := d.WritePart(ctx, res.UploadID, p, bytes.NewReader(content[off:off+n]), n)
				var de *drive.Error
				if errors.As(err, &de) && de.Code == drive.CodePartAlreadyExist {
					dup.Add(1)
				} else if err != nil {
					t.Errorf("part %d: %v", p, err)
				}
			}()
		}
	}
	wg.Wait()
	if dup.Load() != 2 {
		t.Fatalf("%d duplicate parts answered PartAlreadyExist, want 2", dup.Load())
	}
	if lu := d.live(res.UploadID); lu.h == nil || lu.upto != int64(len(content)) {
		t.Fatalf("running hash covers %d of %d bytes", lu.upto, len(content))
	}
	f, err := d.Complete(ctx, res.File.FileID, res.UploadID)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%X", sha1.Sum(content)); f.ContentHash != want {
		t.Fatalf("hash %s, want %s", f.ContentHash, want)
	}
}

// TestRapidOverwrite replaces a file by a rapid upload of other stored
// content (this once deadlocked on the blob lock) and of its own content.
func TestRapidOverwrite(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	up := func(name, content string) *drive.UploadResult {
		t.Helper()
		res, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: name, Size: int64(len(content)),
			Content: strings.NewReader(content), CheckNameMode: drive.NameOverwrite})
		if err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
		return res
	}
	x, y := strings.Repeat("x", 3000), strings.Repeat("y", 3000)
	up("keep.txt", x)
	up("a.txt", y)
	if r := up("a.txt", x); !r.RapidUpload {
		t.Fatal("overwrite with stored content was not rapid")
	}
	if r := up("a.txt", x); !r.RapidUpload {
		t.Fatal("overwrite with its own content was not rapid")
	}
	f, err := d.GetByPath(ctx, "/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := d.Download(ctx, f.FileID, 0, -1)
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != x {
		t.Fatal("a.txt does not hold the overwriting content")
	}
	if si, _ := d.SpaceInfo(ctx); si.UsedSize != 6000 {
		t.Fatalf("used = %d after overwrites, want 6000", si.UsedSize)
	}
	if _, err := os.Stat(d.blobs.path(fmt.Sprintf("%X", sha1.Sum([]byte(y))))); !os.IsNotExist(err) {
		t.Fatalf("the overwritten content's blob is still stored: %v", err)
	}
}
