package drivetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// testTrashFreesName checks that a trashed file does not hold its name, and
// that restoring into a taken name renames instead of failing.
func testTrashFreesName(t *testing.T, h Harness) {
	d := h.Drive
	old := put(t, d, drive.RootID, "n.txt", []byte("old"))
	if err := d.Trash(ctx, old.File.FileID); err != nil {
		t.Fatal(err)
	}
	fresh := put(t, d, drive.RootID, "n.txt", []byte("new")) // refuse: the name is free again
	if fresh.File.FileID == old.File.FileID {
		t.Fatal("upload onto a trashed file's name returned the trashed file")
	}
	tm, ok := d.(drive.TrashManager)
	if !ok {
		return
	}
	if err := tm.Restore(ctx, old.File.FileID); err != nil {
		t.Fatalf("Restore into a taken name: %v", err)
	}
	got := names(listAll(t, d, drive.ListOptions{ParentFileID: drive.RootID, OrderBy: "name"}))
	if !slices.Equal(got, []string{"n(1).txt", "n.txt"}) {
		t.Fatalf("after restore the root holds %v; want n.txt and the restored n(1).txt", got)
	}
}

// testWrongTargets checks operations aimed at the wrong kind of file.
func testWrongTargets(t *testing.T, h Harness) {
	d := h.Drive
	f := put(t, d, drive.RootID, "file.txt", []byte("x")).File
	_, err := d.CreateFolder(ctx, f.FileID, "sub", drive.NameRefuse)
	if err == nil {
		t.Fatal("CreateFolder inside a file succeeded")
	}
	_, err = d.Upload(ctx, drive.UploadRequest{ParentFileID: f.FileID, Name: "y", Size: 1, Content: bytesReader([]byte("y"))})
	if err == nil {
		t.Fatal("Upload into a file succeeded")
	}
	if _, err := d.Move(ctx, f.FileID, "missing-folder", drive.MoveOptions{}); !errors.Is(err, drive.ErrNotFound) {
		t.Fatalf("Move into a missing folder: %v", err)
	}
	if _, err := d.Copy(ctx, "missing-file", drive.RootID, drive.CopyOptions{}); !errors.Is(err, drive.ErrNotFound) {
		t.Fatalf("Copy of a missing file: %v", err)
	}
	if err := d.Delete(ctx, "missing-file"); !errors.Is(err, drive.ErrNotFound) {
		t.Fatalf("Delete of a missing file: %v", err)
	}
	if _, err := d.GetByPath(ctx, "/file.txt/below"); !errors.Is(err, drive.ErrNotFound) {
		t.Fatalf("GetByPath below a file: %v", err)
	}
}

// testMoveAutoRename moves onto a taken name with auto_rename and renames
// in place.
func testMoveAutoRename(t *testing.T, h Harness) {
	d := h.Drive
	dst := mkdir(t, d, drive.RootID, "dst")
	put(t, d, dst.FileID, "m.txt", []byte("there"))
	src := put(t, d, drive.RootID, "m.txt", []byte("here")).File
	res, err := d.Move(ctx, src.FileID, dst.FileID, drive.MoveOptions{CheckNameMode: drive.NameAutoRename})
	if err != nil || res.Exist {
		t.Fatalf("Move with auto_rename = %+v, %v", res, err)
	}
	got := names(listAll(t, d, drive.ListOptions{ParentFileID: dst.FileID, OrderBy: "name"}))
	if !slices.Equal(got, []string{"m(1).txt", "m.txt"}) {
		t.Fatalf("dst = %v, want [m(1).txt m.txt]", got)
	}
	starred := true
	f, err := d.Update(ctx, src.FileID, drive.UpdateOptions{Starred: &starred})
	if err != nil || !f.Starred || f.Name != "m(1).txt" {
		t.Fatalf("Update(starred) = %+v, %v", f, err)
	}
}
