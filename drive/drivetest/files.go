package drivetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

func testInfo(t *testing.T, h Harness) {
	di, err := h.Drive.DriveInfo(ctx)
	if err != nil || di.DefaultDriveID == "" {
		t.Fatalf("DriveInfo = %+v, %v", di, err)
	}
	put(t, h.Drive, drive.RootID, "x.bin", randomBytes(1000))
	si, err := h.Drive.SpaceInfo(ctx)
	if err != nil || si.UsedSize < 1000 || si.TotalSize < si.UsedSize {
		t.Fatalf("SpaceInfo = %+v, %v", si, err)
	}
}

func testNameModes(t *testing.T, h Harness) {
	d := h.Drive
	first := mkdir(t, d, drive.RootID, "docs")
	tests := []struct {
		mode      drive.CheckNameMode
		wantName  string
		wantExist bool
		sameID    bool
	}{
		{drive.NameRefuse, "docs", true, true},
		{drive.NameAutoRename, "docs(1)", false, false},
		{drive.NameAutoRename, "docs(2)", false, false},
		{drive.NameIgnore, "docs", false, false},
	}
	for _, tc := range tests {
		res, err := d.CreateFolder(ctx, drive.RootID, "docs", tc.mode)
		if err != nil {
			t.Fatalf("CreateFolder(docs, %s): %v", tc.mode, err)
		}
		if res.File.Name != tc.wantName || res.Exist != tc.wantExist || (res.File.FileID == first.FileID) != tc.sameID {
			t.Errorf("CreateFolder(docs, %s) = name %q exist %v id %s; want name %q exist %v same id %v",
				tc.mode, res.File.Name, res.Exist, res.File.FileID, tc.wantName, tc.wantExist, tc.sameID)
		}
	}
	// Files: auto_rename keeps the extension; overwrite replaces.
	put(t, d, drive.RootID, "a.txt", []byte("one"))
	r, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "a.txt", Size: 3, Content: strings.NewReader("two"), CheckNameMode: drive.NameAutoRename})
	if err != nil || r.File.Name != "a(1).txt" {
		t.Fatalf("auto_rename upload = %+v, %v; want a(1).txt", r, err)
	}
	_, err = d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "a.txt", Size: 3, Content: strings.NewReader("new")})
	wantErr(t, "refuse upload onto a taken name", err, drive.ErrAlreadyExists)
	r, err = d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "a.txt", Size: 5, Content: strings.NewReader("three"), CheckNameMode: drive.NameOverwrite})
	if err != nil {
		t.Fatalf("overwrite upload: %v", err)
	}
	got, err := d.GetByPath(ctx, "/a.txt")
	if err != nil || got.FileID != r.File.FileID || string(read(t, d, got.FileID, 0, -1)) != "three" {
		t.Fatalf("after overwrite /a.txt = %+v, %v", got, err)
	}
}

func testInvalidNames(t *testing.T, h Harness) {
	for _, name := range []string{"", ".", "..", "a/b", "nul\x00byte", strings.Repeat("x", 1025)} {
		_, err := h.Drive.CreateFolder(ctx, drive.RootID, name, drive.NameRefuse)
		wantErr(t, fmt.Sprintf("CreateFolder(%.20q)", name), err, drive.ErrInvalid)
	}
	if _, err := h.Drive.CreateFolder(ctx, drive.RootID, strings.Repeat("y", 1024), drive.NameRefuse); err != nil {
		t.Fatalf("a 1024-byte name must be accepted: %v", err)
	}
	f := put(t, h.Drive, drive.RootID, "ok.txt", []byte("ok")).File
	bad := "bad/name"
	_, err := h.Drive.Update(ctx, f.FileID, drive.UpdateOptions{Name: &bad})
	wantErr(t, "rename to a name with '/'", err, drive.ErrInvalid)
}

func testUnknownParent(t *testing.T, h Harness) {
	_, err := h.Drive.CreateFolder(ctx, "no-such-folder", "x", drive.NameRefuse)
	wantErr(t, "CreateFolder in an unknown parent", err, drive.ErrNotFound)
	_, err = h.Drive.List(ctx, drive.ListOptions{ParentFileID: "no-such-folder"})
	wantErr(t, "List of an unknown folder", err, drive.ErrNotFound)
	_, err = h.Drive.Get(ctx, "no-such-file")
	wantErr(t, "Get of an unknown id", err, drive.ErrNotFound)
	_, err = h.Drive.GetByPath(ctx, "/no/such/path")
	wantErr(t, "GetByPath of a missing path", err, drive.ErrNotFound)
}

func testMkdirAll(t *testing.T, h Harness) {
	d := h.Drive
	c, err := d.MkdirAll(ctx, "/a/b/c")
	if err != nil || c.Name != "c" {
		t.Fatalf("MkdirAll = %+v, %v", c, err)
	}
	again, err := d.MkdirAll(ctx, "/a/b/c")
	if err != nil || again.FileID != c.FileID {
		t.Fatalf("MkdirAll again = %+v, %v; want the same folder", again, err)
	}
	put(t, d, c.FileID, "f.txt", []byte("hello"))
	f, err := d.GetByPath(ctx, "/a/b/c/f.txt")
	if err != nil || f.Name != "f.txt" || f.Size != 5 || f.ParentFileID != c.FileID {
		t.Fatalf("GetByPath = %+v, %v", f, err)
	}
	root, err := d.GetByPath(ctx, "/")
	if err != nil || root.FileID != drive.RootID {
		t.Fatalf("GetByPath(/) = %+v, %v", root, err)
	}
}

func testPagination(t *testing.T, h Harness) {
	const limit = 5
	for _, n := range []int{0, 1, limit, limit + 1, 2*limit + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := mkdir(t, h.Drive, drive.RootID, fmt.Sprintf("p%d", n))
			var want []string
			for i := range n {
				name := fmt.Sprintf("f%03d", i)
				mkdir(t, h.Drive, dir.FileID, name)
				want = append(want, name)
			}
			first, err := h.Drive.List(ctx, drive.ListOptions{ParentFileID: dir.FileID, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			if (first.NextMarker != "") != (n > limit) {
				t.Fatalf("%d items, limit %d: next_marker %q", n, limit, first.NextMarker)
			}
			got := names(listAll(t, h.Drive, drive.ListOptions{ParentFileID: dir.FileID, Limit: limit, OrderBy: "name"}))
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("paged listing = %v, want %v", got, want)
			}
		})
	}
}

func testListOrder(t *testing.T, h Harness) {
	d := h.Drive
	dir := mkdir(t, d, drive.RootID, "o")
	put(t, d, dir.FileID, "b.bin", randomBytes(30))
	put(t, d, dir.FileID, "a.bin", randomBytes(10))
	put(t, d, dir.FileID, "c.bin", randomBytes(20))
	mkdir(t, d, dir.FileID, "sub")
	tests := []struct {
		opts drive.ListOptions
		want []string
	}{
		{drive.ListOptions{OrderBy: "name"}, []string{"a.bin", "b.bin", "c.bin", "sub"}},
		{drive.ListOptions{OrderBy: "name", OrderDirection: "DESC"}, []string{"sub", "c.bin", "b.bin", "a.bin"}},
		{drive.ListOptions{OrderBy: "size", OrderDirection: "DESC", Type: drive.TypeFile}, []string{"b.bin", "c.bin", "a.bin"}},
		{drive.ListOptions{Type: drive.TypeFolder}, []string{"sub"}},
	}
	for _, tc := range tests {
		tc.opts.ParentFileID, tc.opts.Limit = dir.FileID, 2
		if got := names(listAll(t, d, tc.opts)); !slices.Equal(got, tc.want) {
			t.Errorf("List(%+v) = %v, want %v", tc.opts, got, tc.want)
		}
	}
}

func testRenameMove(t *testing.T, h Harness) {
	d := h.Drive
	a := put(t, d, drive.RootID, "a.txt", []byte("a")).File
	put(t, d, drive.RootID, "b.txt", []byte("b"))
	name := "b.txt"
	_, err := d.Update(ctx, a.FileID, drive.UpdateOptions{Name: &name})
	wantErr(t, "rename onto a taken name", err, drive.ErrAlreadyExists)
	f, err := d.Update(ctx, a.FileID, drive.UpdateOptions{Name: &name, CheckNameMode: drive.NameAutoRename})
	if err != nil || f.Name != "b(1).txt" {
		t.Fatalf("auto_rename rename = %+v, %v", f, err)
	}
	dst := mkdir(t, d, drive.RootID, "dst")
	other := put(t, d, dst.FileID, "b(1).txt", []byte("other")).File
	res, err := d.Move(ctx, a.FileID, dst.FileID, drive.MoveOptions{})
	if err != nil || !res.Exist {
		t.Fatalf("Move onto a taken name with refuse = %+v, %v; want Exist", res, err)
	}
	if g, _ := d.Get(ctx, a.FileID); g == nil || g.ParentFileID != drive.RootID {
		t.Fatalf("refused move moved the file: %+v", g)
	}
	res, err = d.Move(ctx, a.FileID, dst.FileID, drive.MoveOptions{NewName: "moved.txt"})
	if err != nil || res.Exist {
		t.Fatalf("Move with new name = %+v, %v", res, err)
	}
	got := names(listAll(t, d, drive.ListOptions{ParentFileID: dst.FileID, OrderBy: "name"}))
	if !slices.Equal(got, []string{"b(1).txt", "moved.txt"}) {
		t.Fatalf("dst = %v", got)
	}
	if string(read(t, d, other.FileID, 0, -1)) != "other" {
		t.Fatal("a refused move changed the file holding the name")
	}
}

func testSubtreeMove(t *testing.T, h Harness) {
	d := h.Drive
	top, err := d.MkdirAll(ctx, "/top/mid/low")
	if err != nil {
		t.Fatal(err)
	}
	topF, _ := d.GetByPath(ctx, "/top")
	for _, target := range []string{topF.FileID, top.FileID} {
		_, err := d.Move(ctx, topF.FileID, target, drive.MoveOptions{})
		if err == nil {
			t.Fatalf("moving /top into %s succeeded", target)
		}
		var de *drive.Error
		if !errors.As(err, &de) {
			t.Fatalf("moving a folder into its subtree: err %v is not a *drive.Error", err)
		}
	}
	if _, err := d.GetByPath(ctx, "/top/mid/low"); err != nil {
		t.Fatalf("tree damaged by a refused move: %v", err)
	}
}

func testCopyFolder(t *testing.T, h Harness) {
	d := h.Drive
	src, _ := d.MkdirAll(ctx, "/src/inner")
	content := randomBytes(3000)
	put(t, d, src.FileID, "data.bin", content)
	srcTop, _ := d.GetByPath(ctx, "/src")
	dst := mkdir(t, d, drive.RootID, "dst")
	res, err := d.Copy(ctx, srcTop.FileID, dst.FileID, drive.CopyOptions{})
	if err != nil {
		t.Fatalf("Copy folder: %v", err)
	}
	f, err := d.GetByPath(ctx, "/dst/src/inner/data.bin")
	if err != nil || !slices.Equal(read(t, d, f.FileID, 0, -1), content) {
		t.Fatalf("copied file = %+v, %v", f, err)
	}
	if res.FileID == srcTop.FileID {
		t.Fatal("Copy returned the source id")
	}
	if _, err := d.Copy(ctx, srcTop.FileID, dst.FileID, drive.CopyOptions{}); !errors.Is(err, drive.ErrAlreadyExists) {
		t.Fatalf("second Copy without auto_rename: err = %v, want AlreadyExists", err)
	}
	r2, err := d.Copy(ctx, srcTop.FileID, dst.FileID, drive.CopyOptions{AutoRename: true})
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := d.Get(ctx, r2.FileID); g == nil || g.Name != "src(1)" {
		t.Fatalf("auto-renamed copy = %+v", g)
	}
}
