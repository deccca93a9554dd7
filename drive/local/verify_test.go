package local

import (
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// TestDamagedBlobRepairedByUpload is issue 12's dedup report: a flipped,
// truncated or deleted blob is detected (at read, or at the next upload of
// that content), and uploading the content again stores it, so the
// original file reads back byte-identical.
func TestDamagedBlobRepairedByUpload(t *testing.T) {
	ctx := context.Background()
	content := make([]byte, 200<<10)
	rand.NewChaCha8([32]byte{1}).Read(content)
	sum := fmt.Sprintf("%X", sha1.Sum(content))
	cases := []struct {
		name      string
		damage    func(p string) error
		readFails bool // a whole read reports the damage
	}{
		{"flipped byte", func(p string) error {
			f, err := os.OpenFile(p, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte{content[1000] ^ 0xff}, 1000)
			return err
		}, true},
		{"truncated", func(p string) error { return os.Truncate(p, 100) }, true},
		{"deleted", os.Remove, true},
		{"deleted, no read", os.Remove, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Open(t.TempDir(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			up := func(name string) *drive.UploadResult {
				t.Helper()
				res, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: name, Size: int64(len(content)), Content: bytes.NewReader(content)})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			orig := up("orig.bin")
			if err := c.damage(d.blobs.path(sum)); err != nil {
				t.Fatal(err)
			}
			if c.readFails {
				if _, err := readAll(d, orig.File.FileID); err == nil || !strings.Contains(err.Error(), "damaged") || drive.IsRetryable(err) {
					t.Fatalf("read of damaged content: %v, want a final error saying it is damaged", err)
				}
				if _, err := readAll(d, orig.File.FileID); err == nil || drive.IsRetryable(err) {
					t.Fatalf("second read of damaged content: %v, want a final error", err)
				}
			}
			again := up("again.bin")
			if again.RapidUpload || again.BytesSent != int64(len(content)) {
				t.Fatalf("re-upload: rapid %v, %d bytes sent; want the content stored again", again.RapidUpload, again.BytesSent)
			}
			for _, id := range []string{orig.File.FileID, again.File.FileID} {
				got, err := readAll(d, id)
				if err != nil || !bytes.Equal(got, content) {
					t.Fatalf("read %s after repair: %d bytes, %v", id, len(got), err)
				}
			}
			if third := up("third.bin"); !third.RapidUpload {
				t.Fatal("after the repair, the content is not deduplicated")
			}
		})
	}
}

func readAll(d *Drive, id string) ([]byte, error) {
	r, err := d.Download(context.Background(), id, 0, -1)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// TestServedDownloadChecksContent: over HTTP a whole download of a blob
// with a flipped byte never delivers the full body and marks the blob bad;
// ranged reads of a good blob still work.
func TestServedDownloadChecksContent(t *testing.T) {
	ctx := context.Background()
	ts := NewTestServer(t, ServerOptions{})
	content := make([]byte, 100<<10)
	rand.NewChaCha8([32]byte{2}).Read(content)
	res, err := ts.Drive.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "f.bin", Size: int64(len(content)), Content: bytes.NewReader(content)})
	if err != nil {
		t.Fatal(err)
	}
	get := func(rng string) ([]byte, int, error) {
		u, err := ts.Drive.DownloadURL(ctx, res.File.FileID, 0)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", u.URL, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return b, resp.StatusCode, err
	}
	if b, code, err := get("bytes=10-19"); err != nil || code != 206 || !bytes.Equal(b, content[10:20]) {
		t.Fatalf("range: %d %q %v", code, b, err)
	}
	if b, _, err := get(""); err != nil || !bytes.Equal(b, content) {
		t.Fatalf("whole: %d bytes, %v", len(b), err)
	}
	p := ts.Drive.blobs.path(res.File.ContentHash)
	bad := bytes.Clone(content)
	bad[5000] ^= 0x40
	os.WriteFile(p, bad, 0o600)
	if b, _, err := get(""); err == nil && len(b) == len(content) {
		t.Fatal("a damaged blob was served whole")
	}
	if _, code, _ := get(""); code != 422 {
		t.Fatalf("download after the damage was found: HTTP %d, want 422 (not retryable)", code)
	}
	if ok, _ := ts.Drive.findBlob(ctx, ts.Drive.r, res.File.ContentHash, res.File.Size); ok {
		t.Fatal("the damaged blob is still offered for dedup")
	}
}
