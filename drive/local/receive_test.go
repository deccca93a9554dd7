package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// TestUploadBigParts uploads parts larger than the receive pipeline's
// blocks in flight and than its writeback step, in order and out of order,
// and checks the stored content and its SHA-1.
func TestUploadBigParts(t *testing.T) {
	content := make([]byte, 21<<20+17)
	rand.Read(content)
	sum := sha1.Sum(content)
	want := strings.ToUpper(hex.EncodeToString(sum[:]))
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		order []int
	}{
		{"in order", []int{1, 2, 3}},
		{"out of order", []int{3, 1, 2}},
		{"last first", []int{2, 3, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := Open(t.TempDir(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			const partSize = 9 << 20
			res, err := d.CreateFile(ctx, CreateFileRequest{ParentFileID: drive.RootID, Name: "big", Size: int64(len(content)), PartSize: partSize})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.order {
				off := int64(p-1) * partSize
				n := min(partSize, int64(len(content))-off)
				if _, err := d.WritePart(ctx, res.UploadID, p, bytes.NewReader(content[off:off+n]), n); err != nil {
					t.Fatalf("part %d: %v", p, err)
				}
			}
			f, err := d.Complete(ctx, res.File.FileID, res.UploadID)
			if err != nil {
				t.Fatal(err)
			}
			if f.ContentHash != want {
				t.Errorf("content hash %s, want %s", f.ContentHash, want)
			}
			rc, err := d.Download(ctx, f.FileID, 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, content) {
				t.Errorf("downloaded %d bytes (err %v), want the %d uploaded", len(got), err, len(content))
			}
		})
	}
}

// TestWritePartBodyLength checks that a part body shorter or longer than
// the part, or failing midway, is refused and leaves the part unclaimed.
func TestWritePartBodyLength(t *testing.T) {
	ctx := context.Background()
	const size = 3 << 20
	good := make([]byte, size)
	rand.Read(good)
	for _, c := range []struct {
		name string
		body io.Reader
		code string
	}{
		{"short", bytes.NewReader(good[:size-1]), drive.CodeInvalidParameter},
		{"long", io.MultiReader(bytes.NewReader(good), strings.NewReader("x")), drive.CodeInvalidParameter},
		{"broken", io.MultiReader(bytes.NewReader(good[:1<<20]), errReader{}), "IncompleteBody"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := Open(t.TempDir(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			res, err := d.CreateFile(ctx, CreateFileRequest{ParentFileID: drive.RootID, Name: "f", Size: size})
			if err != nil {
				t.Fatal(err)
			}
			_, err = d.WritePart(ctx, res.UploadID, 1, c.body, -1)
			var de *drive.Error
			if !errors.As(err, &de) || !strings.HasPrefix(de.Code, c.code) {
				t.Fatalf("WritePart = %v, want code %s", err, c.code)
			}
			if _, err := d.WritePart(ctx, res.UploadID, 1, bytes.NewReader(good), size); err != nil {
				t.Fatalf("resend after a refused body: %v", err)
			}
			f, err := d.Complete(ctx, res.File.FileID, res.UploadID)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha1.Sum(good)
			if want := strings.ToUpper(hex.EncodeToString(sum[:])); f.ContentHash != want {
				t.Errorf("content hash %s, want %s", f.ContentHash, want)
			}
		})
	}
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
