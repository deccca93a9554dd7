package drivetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

func testTrash(t *testing.T, h Harness) {
	d := h.Drive
	dir, _ := d.MkdirAll(ctx, "/t/sub")
	f := put(t, d, dir.FileID, "x.txt", []byte("x")).File
	top, _ := d.GetByPath(ctx, "/t")
	if err := d.Trash(ctx, top.FileID); err != nil {
		t.Fatalf("Trash: %v", err)
	}
	if _, err := d.GetByPath(ctx, "/t/sub/x.txt"); !errors.Is(err, drive.ErrNotFound) {
		t.Fatalf("a file under a trashed folder is still reachable by path: %v", err)
	}
	if got := names(listAll(t, d, drive.ListOptions{ParentFileID: drive.RootID})); len(got) != 0 {
		t.Fatalf("root lists %v after trashing /t", got)
	}
	if tm, ok := d.(drive.TrashManager); ok {
		tr, err := tm.ListTrash(ctx, drive.ListOptions{})
		if err != nil || len(tr.Items) != 1 || tr.Items[0].FileID != top.FileID {
			t.Fatalf("ListTrash = %+v, %v", tr, err)
		}
		if err := tm.Restore(ctx, top.FileID); err != nil {
			t.Fatalf("Restore: %v", err)
		}
		if g, err := d.GetByPath(ctx, "/t/sub/x.txt"); err != nil || g.FileID != f.FileID {
			t.Fatalf("after restore: %+v, %v", g, err)
		}
	}
	if err := d.Delete(ctx, top.FileID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, id := range []string{top.FileID, f.FileID} {
		if _, err := d.Get(ctx, id); !errors.Is(err, drive.ErrNotFound) {
			t.Fatalf("Get(%s) after deleting the folder: %v", id, err)
		}
	}
}

func testBatchPartial(t *testing.T, h Harness) {
	d := h.Drive
	dst := mkdir(t, d, drive.RootID, "dst")
	a := put(t, d, drive.RootID, "a.bin", randomBytes(10)).File
	b := put(t, d, drive.RootID, "b.bin", randomBytes(10)).File
	c := put(t, d, drive.RootID, "c.bin", randomBytes(10)).File
	reqs := []drive.BatchRequest{
		{Op: drive.OpCopy, FileID: a.FileID, ToParentID: dst.FileID},
		{Op: drive.OpMove, FileID: "missing-1", ToParentID: dst.FileID},
		{Op: drive.OpMove, FileID: b.FileID, ToParentID: dst.FileID},
		{Op: drive.OpTrash, FileID: "missing-2"},
		{Op: drive.OpTrash, FileID: c.FileID},
	}
	res, err := d.Batch(ctx, reqs, drive.BatchOptions{})
	if err != nil || len(res) != len(reqs) {
		t.Fatalf("Batch = %d results, %v", len(res), err)
	}
	for i, r := range res {
		failed := r.Status >= 300
		wantFail := strings.HasPrefix(reqs[i].FileID, "missing")
		if failed != wantFail {
			t.Errorf("item %d (%s %s): status %d, error %v", i, reqs[i].Op, reqs[i].FileID, r.Status, r.Error)
		}
		if wantFail && (r.Status != 404 || r.Error == nil || !errors.Is(r.Error, drive.ErrNotFound)) {
			t.Errorf("item %d: missing id gave status %d error %v, want 404 NotFound", i, r.Status, r.Error)
		}
	}
	got := names(listAll(t, d, drive.ListOptions{ParentFileID: dst.FileID, OrderBy: "name"}))
	if !slices.Equal(got, []string{"a.bin", "b.bin"}) {
		t.Fatalf("dst after batch = %v", got)
	}
	root := names(listAll(t, d, drive.ListOptions{ParentFileID: drive.RootID, OrderBy: "name"}))
	if !slices.Equal(root, []string{"a.bin", "dst"}) {
		t.Fatalf("root after batch = %v", root)
	}
}

func testBatchChunking(t *testing.T, h Harness) {
	d := h.Drive
	src := put(t, d, drive.RootID, "src.bin", randomBytes(100)).File
	dst := mkdir(t, d, drive.RootID, "many")
	const n = 2*drive.MaxBatchChunk + 17
	reqs := make([]drive.BatchRequest, n)
	for i := range reqs {
		reqs[i] = drive.BatchRequest{Op: drive.OpCopy, FileID: src.FileID, ToParentID: dst.FileID, NewName: fmt.Sprintf("c%03d.bin", i)}
	}
	var progress []int
	res, err := d.Batch(ctx, reqs, drive.BatchOptions{Progress: func(done, total int) { progress = append(progress, done) }})
	if err != nil || len(res) != n {
		t.Fatalf("Batch of %d = %d results, %v", n, len(res), err)
	}
	for i, r := range res {
		if r.Status >= 300 || r.FileID == "" {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	if len(progress) < 3 || progress[len(progress)-1] != n {
		t.Fatalf("progress calls = %v; want at least one per chunk ending at %d", progress, n)
	}
	if got := listAll(t, d, drive.ListOptions{ParentFileID: dst.FileID, Limit: 100}); len(got) != n {
		t.Fatalf("folder has %d files after batch copy of %d", len(got), n)
	}
}

func testSearch(t *testing.T, h Harness) {
	d := h.Drive
	dir := mkdir(t, d, drive.RootID, "s")
	put(t, d, dir.FileID, "Report-2024.pdf", randomBytes(5000))
	put(t, d, dir.FileID, "report-draft.txt", randomBytes(50))
	put(t, d, dir.FileID, "photo.jpg", randomBytes(2000))
	tests := []struct {
		query string
		want  []string
	}{
		{`name match "report"`, []string{"Report-2024.pdf", "report-draft.txt"}},
		{`file_extension = "pdf"`, []string{"Report-2024.pdf"}},
		{`name match "report" and size > 1000`, []string{"Report-2024.pdf"}},
		{`category = "image" or file_extension in ["txt"]`, []string{"photo.jpg", "report-draft.txt"}},
		{`(size >= 2000 and size <= 2000) and parent_file_id = "` + dir.FileID + `"`, []string{"photo.jpg"}},
		{`type = "folder" and name = "s"`, []string{"s"}},
		{`name = "nothing"`, nil},
	}
	for _, tc := range tests {
		res, err := d.Search(ctx, drive.SearchOptions{Query: tc.query, OrderBy: "name ASC", Limit: 100})
		if err != nil {
			t.Fatalf("Search(%s): %v", tc.query, err)
		}
		got := names(res.Items)
		slices.SortFunc(got, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("Search(%s) = %v, want %v", tc.query, got, tc.want)
		}
	}
	_, err := d.Search(ctx, drive.SearchOptions{Query: `name match`})
	wantErr(t, "a malformed query", err, drive.ErrInvalid)
}

func testRapidUpload(t *testing.T, h Harness) {
	d := h.Drive
	content := randomBytes(300 << 10)
	first := put(t, d, drive.RootID, "one.bin", content)
	if first.RapidUpload {
		t.Fatal("the first upload of new content was rapid")
	}
	if first.File.ContentHash == "" || first.File.Size != int64(len(content)) {
		t.Fatalf("uploaded file = %+v", first.File)
	}
	var before int64
	if h.BodyBytes != nil {
		before = h.BodyBytes()
	}
	second := put(t, d, drive.RootID, "two.bin", content)
	if !second.RapidUpload || second.BytesSent != 0 {
		t.Fatalf("second upload of the same content: rapid=%v bytes=%d", second.RapidUpload, second.BytesSent)
	}
	if h.BodyBytes != nil && h.BodyBytes() != before {
		t.Fatalf("rapid upload sent %d body bytes", h.BodyBytes()-before)
	}
	if !strings.EqualFold(second.File.ContentHash, first.File.ContentHash) || !slices.Equal(read(t, d, second.File.FileID, 0, -1), content) {
		t.Fatal("rapid-uploaded file has other content")
	}
	empty := put(t, d, drive.RootID, "empty", nil)
	if empty.File.Size != 0 || len(read(t, d, empty.File.FileID, 0, -1)) != 0 {
		t.Fatalf("empty file = %+v", empty.File)
	}
}

// failingReader fails every read past limit bytes.
type failingReader struct {
	r     io.ReaderAt
	limit int64
}

var errInterrupted = errors.New("drivetest: interrupted")

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.limit {
		return 0, errInterrupted
	}
	return f.r.ReadAt(p, off)
}

func testResume(t *testing.T, h Harness) {
	d := h.Drive
	const part = 64 << 10
	content := randomBytes(5*part + 123)
	var sess *drive.UploadSession
	req := drive.UploadRequest{ParentFileID: drive.RootID, Name: "big.bin", Size: int64(len(content)), PartSize: part,
		Content: failingReader{strings.NewReader(string(content)), 2 * part}, OnSession: func(s drive.UploadSession) { sess = &s }}
	if _, err := d.Upload(ctx, req); err == nil {
		t.Fatal("an upload whose reader fails succeeded")
	}
	if sess == nil {
		t.Fatal("OnSession was not called before the interruption")
	}
	if g, err := d.GetByPath(ctx, "/big.bin"); err == nil {
		t.Fatalf("an unfinished upload is visible: %+v", g)
	}
	var before int64
	if h.BodyBytes != nil {
		before = h.BodyBytes()
	}
	req.Content, req.Resume, req.OnSession = strings.NewReader(string(content)), sess, nil
	res, err := d.Upload(ctx, req)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	remaining := int64(len(content) - 2*part)
	if res.BytesSent != remaining {
		t.Fatalf("resume sent %d bytes, want %d (parts 1-2 were already stored)", res.BytesSent, remaining)
	}
	if h.BodyBytes != nil && h.BodyBytes()-before != remaining {
		t.Fatalf("server received %d body bytes on resume, want %d", h.BodyBytes()-before, remaining)
	}
	if !slices.Equal(read(t, d, res.File.FileID, 0, -1), content) {
		t.Fatal("resumed upload has wrong content")
	}
}

func testDownloadRanges(t *testing.T, h Harness) {
	d := h.Drive
	content := randomBytes(10000)
	f := put(t, d, drive.RootID, "r.bin", content).File
	tests := []struct{ off, n, wantEnd int64 }{
		{0, -1, 10000}, {0, 10, 10}, {5000, 100, 5100}, {9999, 1, 10000}, {9990, 100, 10000}, {10000, -1, 10000},
	}
	for _, tc := range tests {
		got := read(t, d, f.FileID, tc.off, tc.n)
		if !slices.Equal(got, content[tc.off:tc.wantEnd]) {
			t.Errorf("Download(%d, %d): %d bytes, want %d", tc.off, tc.n, len(got), tc.wantEnd-tc.off)
		}
	}
	u, err := d.DownloadURL(ctx, f.FileID, time.Minute)
	if err != nil || u.URL == "" || u.Size != 10000 || !u.Expiration.After(time.Now()) {
		t.Fatalf("DownloadURL = %+v, %v", u, err)
	}
	dir := mkdir(t, d, drive.RootID, "folder")
	_, err = d.DownloadURL(ctx, dir.FileID, time.Minute)
	wantErr(t, "DownloadURL of a folder", err, drive.ErrInvalid)
}

func testShares(t *testing.T, h Harness) {
	d := h.Drive
	f := put(t, d, drive.RootID, "s.txt", []byte("share me")).File
	exp := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	sh, err := d.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{f.FileID}, Password: "abcd", Expiration: exp})
	if err != nil || sh.ShareID == "" || sh.ShareURL == "" || !sh.Expiration.Equal(exp) {
		t.Fatalf("CreateShare = %+v, %v", sh, err)
	}
	_, err = d.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{f.FileID}, Password: strings.Repeat("p", 65)})
	wantErr(t, "a 65-character share password", err, drive.ErrInvalid)
	_, err = d.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{"missing"}})
	wantErr(t, "sharing a missing file", err, drive.ErrNotFound)
	sm, ok := d.(drive.ShareManager)
	if !ok {
		return
	}
	l, err := sm.ListShares(ctx, drive.ListOptions{})
	if err != nil || len(l.Items) != 1 || l.Items[0].ShareID != sh.ShareID || l.Items[0].Password != "abcd" {
		t.Fatalf("ListShares = %+v, %v", l, err)
	}
	if err := sm.CancelShare(ctx, sh.ShareID); err != nil {
		t.Fatalf("CancelShare: %v", err)
	}
	if l, _ := sm.ListShares(ctx, drive.ListOptions{}); l == nil || len(l.Items) != 0 {
		t.Fatalf("ListShares after cancel = %+v", l)
	}
	wantErr(t, "cancelling twice", sm.CancelShare(ctx, sh.ShareID), drive.ErrNotFound)
}

func testRequest(t *testing.T, h Harness) {
	d := h.Drive
	f := mkdir(t, d, drive.RootID, "req")
	body, _ := json.Marshal(map[string]string{"drive_id": f.DriveID, "file_id": f.FileID})
	raw, err := d.Request(ctx, "/adrive/v1.0/openFile/get", body)
	if err != nil {
		t.Fatalf("Request(openFile/get): %v", err)
	}
	var got drive.File
	if err := json.Unmarshal(raw, &got); err != nil || got.FileID != f.FileID || got.Name != "req" {
		t.Fatalf("Request answer %s: %v", raw, err)
	}
	body, _ = json.Marshal(map[string]string{"drive_id": f.DriveID, "file_id": "missing"})
	_, err = d.Request(ctx, "/adrive/v1.0/openFile/get", body)
	wantErr(t, "Request for a missing file", err, drive.ErrNotFound)
}
