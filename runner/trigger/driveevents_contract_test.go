package trigger

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/drivetest"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// watchedLocal is a fresh local drive decorated by WatchDrive, with the
// events it published.
func watchedLocal(t *testing.T) (d, inner drive.Drive, events func() int) {
	ld, err := local.Open(t.TempDir(), local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ld.Close() })
	var mu sync.Mutex
	n := 0
	d = WatchDrive(ld, "acct", func(context.Context, string, []byte) error {
		mu.Lock()
		n++
		mu.Unlock()
		return nil
	}, nil)
	return d, ld, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestWatchDriveContract runs the drive contract suite over the decorated
// drive, as serve uses it, including its check that the decorator exposes
// exactly the optional interfaces of the drive it wraps.
func TestWatchDriveContract(t *testing.T) {
	drivetest.Run(t, func(t *testing.T) drivetest.Harness {
		d, inner, _ := watchedLocal(t)
		return drivetest.Harness{Drive: d, Wraps: inner}
	})
}

// TestWatchDriveKeepsShares: share list and cancel work through the
// decorator (under serve they answered "unsupported", issue 14 #1).
func TestWatchDriveKeepsShares(t *testing.T) {
	ctx := context.Background()
	d, _, events := watchedLocal(t)
	up, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "s.txt", Size: 2, Content: strings.NewReader("hi")})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := d.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{up.File.FileID}})
	if err != nil {
		t.Fatal(err)
	}
	sm, ok := d.(drive.ShareManager)
	if !ok {
		t.Fatalf("WatchDrive(local) does not implement drive.ShareManager; local does")
	}
	l, err := sm.ListShares(ctx, drive.ListOptions{})
	if err != nil || len(l.Items) != 1 || l.Items[0].ShareID != sh.ShareID {
		t.Fatalf("ListShares through the decorator = %+v, %v", l, err)
	}
	if err := sm.CancelShare(ctx, sh.ShareID); err != nil {
		t.Fatalf("CancelShare through the decorator: %v", err)
	}
	if _, ok := d.(drive.TrashManager); !ok {
		t.Fatalf("WatchDrive(local) does not implement drive.TrashManager; local does")
	}
	if events() != 1 {
		t.Fatalf("%d events published, want 1 (the upload)", events())
	}
}

// TestWatchDriveClaimsNoMissingFeature: over a drive without trash or
// share management the decorator claims neither.
func TestWatchDriveClaimsNoMissingFeature(t *testing.T) {
	_, ld, _ := watchedLocal(t)
	bare := struct{ drive.Drive }{ld}
	d := WatchDrive(bare, "acct", func(context.Context, string, []byte) error { return nil }, nil)
	if got := drive.FeaturesOf(d).Names(); len(got) != 0 {
		t.Fatalf("WatchDrive over a drive with no optional interface implements %v", got)
	}
}
