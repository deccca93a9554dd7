package drivetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// testFaults runs operations while the server injects faults: each either
// succeeds with the right result or fails with a retryable *drive.Error.
func testFaults(t *testing.T, h Harness) {
	if h.SetFaults == nil {
		t.Skip("the harness cannot inject server faults")
	}
	d := h.Drive
	dir := mkdir(t, d, drive.RootID, "f")
	content := randomBytes(200 << 10)
	h.SetFaults(t, "429:0.15,500:0.05,502:0.05,reset:0.03,token:0.03,expire:0.1,latency:1ms,seed=7")
	defer h.SetFaults(t, "")
	ok := func(what string, err error) bool {
		t.Helper()
		if err == nil {
			return true
		}
		var de *drive.Error
		if !drive.IsRetryable(err) && !(errors.As(err, &de) && de.Retryable()) {
			t.Fatalf("%s under faults: a non-retryable error %v", what, err)
		}
		return false
	}
	uploaded := map[string][]byte{}
	for i := range 12 {
		name := fmt.Sprintf("u%02d.bin", i)
		c := slices.Concat(content, []byte(name))
		res, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: name, Size: int64(len(c)),
			Content: bytesReader(c), PartSize: 64 << 10, CheckNameMode: drive.NameOverwrite})
		if ok("Upload", err) {
			if res.File.Size != int64(len(c)) {
				t.Fatalf("Upload under faults: size %d, want %d", res.File.Size, len(c))
			}
			uploaded[res.File.FileID] = c
		}
		l, err := d.List(ctx, drive.ListOptions{ParentFileID: dir.FileID, Limit: 3})
		if ok("List", err) && len(l.Items) > 3 {
			t.Fatalf("List under faults returned %d items for limit 3", len(l.Items))
		}
	}
	for id, c := range uploaded {
		rc, err := d.Download(ctx, id, 100, 1000)
		if !ok("Download", err) {
			continue
		}
		got, err := readAll(rc)
		if ok("Download read", err) && !slices.Equal(got, c[100:1100]) {
			t.Fatalf("Download under faults returned wrong bytes for %s", id)
		}
	}
	// Every download answer cut short: the bytes must never be silently short.
	h.SetFaults(t, "reset:1,route=/oss/download/*")
	for id, c := range uploaded {
		rc, err := d.Download(ctx, id, 0, -1)
		if !ok("Download (cut)", err) {
			continue
		}
		got, err := readAll(rc)
		if ok("Download read (cut)", err) && !slices.Equal(got, c) {
			t.Fatalf("a cut download returned %d bytes of %d without an error", len(got), len(c))
		}
		break
	}
	h.SetFaults(t, "")
	for id, c := range uploaded {
		if got := read(t, d, id, 0, -1); !slices.Equal(got, c) {
			t.Fatalf("after faults, %s has wrong content", id)
		}
	}
}
