// Package drivetest is the contract every drive.Drive backend passes: one
// suite of table tests over every operation, run against the local drive
// in process (drive/local) and against the Open API client talking to the
// local drive's HTTP server (drive/aliyun).
package drivetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Harness is one fresh, empty drive for a subtest, with optional hooks a
// backend provides when it can.
type Harness struct {
	// Drive is the backend under test, empty.
	Drive drive.Drive
	// BodyBytes, if set, returns the part-upload body bytes the server has
	// received so far; the suite then asserts that a rapid upload sends none
	// and that a resumed upload does not resend parts.
	BodyBytes func() int64
	// SetFaults, if set, makes the server inject faults per a spec in
	// local.ParseFaults syntax ("" turns them off).
	SetFaults func(t *testing.T, spec string)
	// Wraps, if set, is the drive that Drive decorates; the suite then
	// asserts that Drive implements exactly its optional interfaces
	// (drive.Features), so a decorator neither hides nor invents one.
	Wraps drive.Drive
}

// Run runs the contract suite; newDrive returns a fresh harness per subtest.
func Run(t *testing.T, newDrive func(t *testing.T) Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"Info", testInfo},
		{"NameModes", testNameModes},
		{"InvalidNames", testInvalidNames},
		{"UnknownParent", testUnknownParent},
		{"MkdirAllAndGetByPath", testMkdirAll},
		{"Pagination", testPagination},
		{"ListOrderAndType", testListOrder},
		{"RenameMoveConflicts", testRenameMove},
		{"SubtreeMoveRefused", testSubtreeMove},
		{"CopyFolderRecursive", testCopyFolder},
		{"TrashRestoreDelete", testTrash},
		{"BatchPartialFailure", testBatchPartial},
		{"BatchChunking", testBatchChunking},
		{"Search", testSearch},
		{"UploadAndRapidUpload", testRapidUpload},
		{"ResumeInterruptedUpload", testResume},
		{"DownloadRanges", testDownloadRanges},
		{"Shares", testShares},
		{"CustomRequest", testRequest},
		{"TrashFreesName", testTrashFreesName},
		{"WrongTargets", testWrongTargets},
		{"MoveAutoRename", testMoveAutoRename},
		{"Faults", testFaults},
		{"OptionalFeatures", testFeatures},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newDrive(t))
		})
	}
}

// testFeatures checks a decorator against what it wraps.
func testFeatures(t *testing.T, h Harness) {
	if h.Wraps == nil {
		return
	}
	got, want := drive.FeaturesOf(h.Drive).Names(), drive.FeaturesOf(h.Wraps).Names()
	if !slices.Equal(got, want) {
		t.Fatalf("%T implements optional interfaces %v; the drive it wraps, %T, implements %v", h.Drive, got, h.Wraps, want)
	}
}

// ctx is the context of suite calls.
var ctx = context.Background()

// mkdir creates a folder and fails the test on error.
func mkdir(t *testing.T, d drive.Drive, parent, name string) *drive.File {
	t.Helper()
	res, err := d.CreateFolder(ctx, parent, name, drive.NameRefuse)
	if err != nil {
		t.Fatalf("CreateFolder(%s, %q): %v", parent, name, err)
	}
	return res.File
}

// put uploads content and fails the test on error.
func put(t *testing.T, d drive.Drive, parent, name string, content []byte) *drive.UploadResult {
	t.Helper()
	res, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: parent, Name: name, Size: int64(len(content)), Content: bytes.NewReader(content)})
	if err != nil {
		t.Fatalf("Upload(%q, %d bytes): %v", name, len(content), err)
	}
	return res
}

// randomBytes returns n random bytes (unique content: no rapid upload).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// read downloads a range and fails the test on error.
func read(t *testing.T, d drive.Drive, id string, off, n int64) []byte {
	t.Helper()
	rc, err := d.Download(ctx, id, off, n)
	if err != nil {
		t.Fatalf("Download(%s, %d, %d): %v", id, off, n, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read download of %s: %v", id, err)
	}
	return b
}

// listAll pages through a folder with the given options.
func listAll(t *testing.T, d drive.Drive, opts drive.ListOptions) []*drive.File {
	t.Helper()
	var all []*drive.File
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("List never returned an empty next_marker")
		}
		res, err := d.List(ctx, opts)
		if err != nil {
			t.Fatalf("List(%+v): %v", opts, err)
		}
		all = append(all, res.Items...)
		if res.NextMarker == "" {
			return all
		}
		opts.Marker = res.NextMarker
	}
}

func names(fs []*drive.File) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// wantErr fails unless err matches the sentinel kind.
func wantErr(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: err = %v, want %v", what, err, kind)
	}
}

// wantCode fails unless err is a *drive.Error with code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var de *drive.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("%s: err = %v, want code %s", what, err, code)
	}
}
