package local

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// TestAbandonedUploadFreedAfterTTL: an upload left for 25 hours is dropped
// at open with its data file by default (it used to hold its space for 10
// days), and kept when Options.SessionTTL is longer or when a part was
// written lately (a long upload still going).
func TestAbandonedUploadFreedAfterTTL(t *testing.T) {
	for _, c := range []struct {
		ttl    time.Duration
		active bool
		kept   bool
	}{{0, false, false}, {48 * time.Hour, false, true}, {0, true, true}} {
		ctx := context.Background()
		dir := t.TempDir()
		d, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := d.CreateFile(ctx, CreateFileRequest{ParentFileID: drive.RootID, Name: "big", Size: 20, PartSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.WritePart(ctx, res.UploadID, 1, strings.NewReader("0123456789"), 10); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-25 * time.Hour)
		d.w.ExecContext(ctx, `UPDATE uploads SET created_at = ? WHERE upload_id = ?`, nanos(old), res.UploadID)
		if !c.active {
			os.Chtimes(d.sessionPath(res.UploadID), old, old)
		}
		d.Close()
		if d, err = Open(dir, Options{SessionTTL: c.ttl}); err != nil {
			t.Fatal(err)
		}
		_, perr := d.UploadedParts(ctx, res.UploadID)
		_, serr := os.Stat(d.sessionPath(res.UploadID))
		d.Close()
		if kept := perr == nil && serr == nil; kept != c.kept {
			t.Fatalf("ttl %v: session kept = %v (%v, %v), want %v", c.ttl, kept, perr, serr, c.kept)
		}
		if !c.kept && !errors.Is(serr, os.ErrNotExist) {
			t.Fatalf("ttl %v: data file of the dropped upload: %v", c.ttl, serr)
		}
	}
}

// TestResumeOfDroppedSessionUploadsAfresh: resuming a session the drive no
// longer knows uploads the file as new instead of failing.
func TestResumeOfDroppedSessionUploadsAfresh(t *testing.T) {
	d, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	content := "twenty bytes of text"
	res, err := d.Upload(context.Background(), drive.UploadRequest{ParentFileID: drive.RootID, Name: "f", Size: int64(len(content)),
		Content: strings.NewReader(content), Resume: &drive.UploadSession{FileID: "gone", UploadID: "gone", PartSize: 10, Size: int64(len(content))}})
	if err != nil || res.Resumed || res.BytesSent != int64(len(content)) {
		t.Fatalf("upload: %+v, %v", res, err)
	}
}
