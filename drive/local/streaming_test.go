package local

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// TestServerCreateWithoutSize: a create without size is accepted, as the
// real service does for streaming writers (OpenDAL
// core/src/services/aliyun_drive/writer.rs creates with size None; alist
// drivers/aliyundrive_open/upload.go sends size only for a rapid upload;
// iOS SDK CreateFile.swift has an optional size): getUploadUrl may ask for
// parts beyond the declared list, the parts go in order, and complete
// takes the size and the SHA-1 from what was uploaded. Parts have any
// length (OpenDAL sends each write as the next part).
func TestServerCreateWithoutSize(t *testing.T) {
	c := newRaw(t, ServerOptions{ParallelUpload: true})
	var cr openapi.CreateResponse
	if st := c.call(openapi.PathCreate, map[string]any{"parent_file_id": "root", "name": "stream.bin", "type": "file",
		"check_name_mode": "refuse", "part_info_list": []map[string]any{{"part_number": 1}}}, &cr); st != 200 || cr.UploadID == "" {
		t.Fatalf("create without size: HTTP %d %+v", st, cr)
	}
	var ur openapi.UploadURLResponse
	if st := c.call(openapi.PathGetUploadURL, openapi.UploadURLRequest{FileID: cr.FileID, UploadID: cr.UploadID,
		PartInfoList: openapi.PartInfoList(1, 3)}, &ur); st != 200 || len(ur.PartInfoList) != 3 {
		t.Fatalf("getUploadUrl for parts 1..3: HTTP %d %+v", st, ur)
	}
	// OpenDAL uploads each write as the next part: parts of any length.
	parts := [][]byte{bytes.Repeat([]byte{'a'}, 100<<10), bytes.Repeat([]byte{'b'}, 64<<10+7), []byte(strings.Repeat("tail", 300))}
	put := func(i int) (int, []byte) {
		st, _, body := c.do(http.MethodPut, ur.PartInfoList[i].UploadURL, parts[i])
		return st, body
	}
	if st, body := put(0); st != 200 {
		t.Fatalf("PUT part 1: HTTP %d %s", st, body)
	}
	// Even with parallelUpload granted, a part cannot come before its
	// predecessor: its offset is not known yet.
	if st, body := put(2); st != 400 || !bytes.Contains(body, []byte(codePartNotSequential)) {
		t.Fatalf("PUT part 3 before part 2: HTTP %d %s; want 400 %s", st, body, codePartNotSequential)
	}
	for i := 1; i < len(parts); i++ {
		if st, body := put(i); st != 200 {
			t.Fatalf("PUT part %d: HTTP %d %s", i+1, st, body)
		}
	}
	all := bytes.Join(parts, nil)
	var f drive.File
	if st := c.call(openapi.PathComplete, openapi.CompleteRequest{FileID: cr.FileID, UploadID: cr.UploadID}, &f); st != 200 {
		t.Fatalf("complete: HTTP %d %+v", st, f)
	}
	sum := sha1.Sum(all)
	if f.Size != int64(len(all)) || !strings.EqualFold(f.ContentHash, hex.EncodeToString(sum[:])) {
		t.Fatalf("completed file: size %d hash %s; want %d %X", f.Size, f.ContentHash, len(all), sum)
	}
	var du drive.DownloadURL
	if st := c.call(openapi.PathGetDownloadURL, openapi.DownloadURLRequest{FileID: cr.FileID}, &du); st != 200 {
		t.Fatalf("getDownloadUrl: HTTP %d", st)
	}
	st, _, got := c.do(http.MethodGet, du.URL, nil)
	if st != 200 || !bytes.Equal(got, all) {
		t.Fatalf("read back: HTTP %d, %d bytes, equal %v; want %d bytes", st, len(got), bytes.Equal(got, all), len(all))
	}
}

// TestUncleanOpenVerifiesStreamingParts: after a power loss that kept a
// part's record but not its bytes, an upload created without size checks
// each part at the offset where the parts before it end, forgets the bad
// part and every part after it (their offsets follow it), and completes
// with the right content once they are sent again.
func TestUncleanOpenVerifiesStreamingParts(t *testing.T) {
	content := []byte("0123456789abcdefghij")
	cuts := [][2]int{{0, 7}, {7, 12}, {12, 20}} // parts of 7, 5 and 8 bytes
	for _, bad := range []int{2, 3} {
		ctx := context.Background()
		dir := t.TempDir()
		d, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := d.CreateFile(ctx, CreateFileRequest{ParentFileID: drive.RootID, Name: "s.bin", SizeUnknown: true})
		if err != nil {
			t.Fatal(err)
		}
		write := func(part int) {
			c := cuts[part-1]
			if _, err := d.WritePart(ctx, res.UploadID, part, bytes.NewReader(content[c[0]:c[1]]), int64(c[1]-c[0])); err != nil {
				t.Fatal(err)
			}
		}
		for p := 1; p <= 3; p++ {
			write(p)
		}
		d.Close()
		// The crash: the marker stays, and part bad's bytes never reached the disk.
		os.WriteFile(filepath.Join(dir, "open-999999999-dead"), nil, 0o644)
		f, _ := os.OpenFile(filepath.Join(dir, "uploads", res.UploadID+".data"), os.O_RDWR, 0)
		c := cuts[bad-1]
		f.WriteAt(make([]byte, c[1]-c[0]), int64(c[0]))
		f.Close()
		if d, err = Open(dir, Options{}); err != nil {
			t.Fatal(err)
		}
		parts, err := d.UploadedParts(ctx, res.UploadID)
		if err != nil || len(parts) != bad-1 || parts[len(parts)-1].PartNumber != bad-1 {
			t.Fatalf("part %d lost: parts after an unclean open = %+v, %v; want parts 1..%d", bad, parts, err, bad-1)
		}
		for p := bad; p <= 3; p++ {
			write(p)
		}
		got, err := d.Complete(ctx, res.File.FileID, res.UploadID)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%X", sha1.Sum(content)); got.ContentHash != want || got.Size != int64(len(content)) {
			t.Fatalf("part %d lost: hash %s size %d, want %s %d", bad, got.ContentHash, got.Size, want, len(content))
		}
	}
}
