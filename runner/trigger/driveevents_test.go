package trigger

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

func TestWatchDrivePublishesChanges(t *testing.T) {
	ctx := context.Background()
	ld, err := local.Open(t.TempDir(), local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Close()
	type pub struct {
		subject string
		ev      DriveEvent
	}
	var got []pub
	d := WatchDrive(ld, "acct", func(_ context.Context, subject string, data []byte) error {
		var ev DriveEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Errorf("event %s: %v", data, err)
		}
		got = append(got, pub{subject, ev})
		return nil
	}, nil)
	inbox, err := d.CreateFolder(ctx, drive.RootID, "inbox", drive.NameRefuse)
	if err != nil {
		t.Fatal(err)
	}
	up, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: inbox.File.FileID, Name: "a.txt", Size: 2, Content: strings.NewReader("hi")})
	if err != nil {
		t.Fatal(err)
	}
	archive, err := d.CreateFolder(ctx, drive.RootID, "archive", drive.NameRefuse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Move(ctx, up.File.FileID, archive.File.FileID, drive.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Batch(ctx, []drive.BatchRequest{{Op: drive.OpCopy, FileID: up.File.FileID, ToParentID: inbox.File.FileID}}, drive.BatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Trash(ctx, up.File.FileID); err != nil {
		t.Fatal(err)
	}
	want := []struct{ subject, path, from string }{
		{"wasmdrive.drive.acct.file.created", "/inbox", ""},
		{"wasmdrive.drive.acct.file.uploaded", "/inbox/a.txt", ""},
		{"wasmdrive.drive.acct.file.created", "/archive", ""},
		{"wasmdrive.drive.acct.file.moved", "/archive/a.txt", "/inbox/a.txt"},
		{"wasmdrive.drive.acct.file.copied", "", ""},
		{"wasmdrive.drive.acct.file.trashed", "/archive/a.txt", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("events = %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.subject != w.subject || g.ev.Path != w.path || g.ev.FromPath != w.from || g.ev.Account != "acct" || g.ev.FileID == "" {
			t.Errorf("event %d = %s %+v, want %s path %q from %q", i, g.subject, g.ev, w.subject, w.path, w.from)
		}
	}
	if got[1].ev.ParentPath != "/inbox" || got[1].ev.Size != 2 {
		t.Errorf("upload event = %+v", got[1].ev)
	}
	// A failed mutation publishes nothing.
	n := len(got)
	if err := d.Trash(ctx, "no-such-file"); err == nil {
		t.Fatal("trash of a missing file succeeded")
	}
	if len(got) != n {
		t.Fatalf("failed trash published %+v", got[n:])
	}
}
