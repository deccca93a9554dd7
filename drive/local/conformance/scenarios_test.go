package conformance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// TestTickstepScenario walks what the aliyunpan CLI does through
// tickstep/aliyunpan-api's request shapes: mkdir -p (create folder
// refuse: exist → same id), paginate list at limit 100 (file_api.go
// FileList), get_by_path (FilePathPair), uploads small, multipart and
// rapid (file_upload_api.go), download with Range (getDownloadUrl,
// FileDownloadUrlParam), update/move/copy/trash/delete (file_api.go,
// file_delete.go), search (FileSearchParam), starredList
// (FileStarredListParam), createShare (file_share.go, camelCase) and
// getSpaceInfo (user_api.go).
func TestTickstepScenario(t *testing.T) {
	c := newClient(t)
	a := c.mkdir("root", "a", "refuse")
	if again := c.mkdir("root", "a", "refuse"); again != a {
		t.Fatalf("mkdir -p: refuse on an existing folder answered %s, want %s (exist)", again, a)
	}
	b := c.mkdir(a, "b", "refuse")

	// list/paginate: 120 folders read 100 at a time.
	for i := 0; i < 120; i++ {
		c.mkdir(b, fmt.Sprintf("d%03d", i), "refuse")
	}
	seen, marker, pages := 0, "", 0
	for {
		r := c.list(b, marker, 100)
		seen += len(r.Items)
		pages++
		if r.NextMarker == "" {
			break
		}
		marker = r.NextMarker
	}
	if seen != 120 || pages != 2 {
		t.Fatalf("paginate: %d items in %d pages, want 120 in 2", seen, pages)
	}
	if st, code := c.post("/adrive/v1.0/openFile/list", map[string]any{"drive_id": c.drive, "parent_file_id": b, "limit": 200}, nil); st != 400 || code != "InvalidParameter.Limit" {
		t.Fatalf("limit 200 (T-api clamps to 100 because the service refuses more): HTTP %d %s", st, code)
	}

	// get_by_path (file_api.go FilePathPair: drive_id, file_path).
	var byPath fileItem
	c.must("/adrive/v1.0/openFile/get_by_path", map[string]any{"drive_id": c.drive, "file_path": "/a/b"}, &byPath)
	if byPath.FileID != b {
		t.Fatalf("get_by_path /a/b: %s, want %s", byPath.FileID, b)
	}
	if st, code := c.post("/adrive/v1.0/openFile/get_by_path", map[string]any{"drive_id": c.drive, "file_path": "/a/nope"}, nil); st != 400 || code != "NotFound.File" {
		t.Fatalf("get_by_path missing: HTTP %d %s; T-api api_error.go expects 400 NotFound.File", st, code)
	}

	// uploads: small (1 part), multipart (3 parts in order), rapid (same content again).
	small := []byte("hello, open api")
	big := bytes.Repeat([]byte("0123456789abcdef"), 3*64*1024/16+7)
	sid, rapid := c.upload(a, "small.txt", small, 1<<20)
	if rapid {
		t.Fatal("first upload of new content was rapid")
	}
	bid, _ := c.upload(a, "big.bin", big, 64*1024)
	if _, rapid := c.upload(b, "big-again.bin", big, 64*1024); !rapid {
		t.Fatal("upload of stored content with content_hash + proof_code was not rapid")
	}

	// download with Range (FileDownloadUrlParam: drive_id, file_id, expire_sec).
	var dl struct {
		URL        string `json:"url"`
		Expiration string `json:"expiration"`
		Method     string `json:"method"`
	}
	c.must("/adrive/v1.0/openFile/getDownloadUrl", map[string]any{"drive_id": c.drive, "file_id": bid, "expire_sec": 900}, &dl)
	req, _ := http.NewRequest(http.MethodGet, dl.URL, nil)
	req.Header.Set("Range", "bytes=100-199")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || !bytes.Equal(got, big[100:200]) {
		t.Fatalf("ranged download: HTTP %d, %d bytes", resp.StatusCode, len(got))
	}

	// update (FileUpdateParam: drive_id, file_id, name, check_name_mode).
	var upd fileItem
	c.must("/adrive/v1.0/openFile/update", map[string]any{"drive_id": c.drive, "file_id": sid, "name": "renamed.txt", "check_name_mode": "refuse"}, &upd)
	if upd.Name != "renamed.txt" {
		t.Fatalf("update: name %q", upd.Name)
	}
	// move (FileMoveParam: drive_id, file_id, to_parent_file_id, check_name_mode, new_name).
	var mv struct {
		FileID      string `json:"file_id"`
		AsyncTaskID string `json:"async_task_id"`
	}
	c.must("/adrive/v1.0/openFile/move", map[string]any{"drive_id": c.drive, "file_id": sid, "to_parent_file_id": b, "check_name_mode": "refuse", "new_name": ""}, &mv)
	c.must("/adrive/v1.0/openFile/get_by_path", map[string]any{"drive_id": c.drive, "file_path": "/a/b/renamed.txt"}, &byPath)
	// copy (FileCopyParam: drive_id, file_id, to_drive_id, to_parent_file_id, auto_rename).
	var cp struct {
		FileID string `json:"file_id"`
	}
	c.must("/adrive/v1.0/openFile/copy", map[string]any{"drive_id": c.drive, "file_id": sid, "to_drive_id": c.drive, "to_parent_file_id": a, "auto_rename": true}, &cp)
	if cp.FileID == "" || cp.FileID == sid {
		t.Fatalf("copy answered file_id %q", cp.FileID)
	}
	// search (FileSearchParam, order_by "" and limit 0 as the struct sends them).
	var sr listResult
	c.must("/adrive/v1.0/openFile/search", map[string]any{"drive_id": c.drive, "query": "name = 'renamed.txt'", "limit": 0, "marker": "", "order_by": "", "return_total_count": true}, &sr)
	if len(sr.Items) != 2 || sr.TotalCount != 2 {
		t.Fatalf("search: %d items, total %d; want the file and its copy", len(sr.Items), sr.TotalCount)
	}
	// starredList (FileStarredListParam).
	c.must("/adrive/v1.0/openFile/update", map[string]any{"drive_id": c.drive, "file_id": bid, "starred": true}, nil)
	var st listResult
	c.must("/adrive/v1.0/openFile/starredList", map[string]any{"drive_id": c.drive, "limit": 100, "marker": "", "order_by": "", "order_direction": "", "type": ""}, &st)
	if len(st.Items) != 1 || st.Items[0].FileID != bid {
		t.Fatalf("starredList: %+v; want big.bin", st.Items)
	}
	// share (file_share.go FileShareCreateParam, camelCase; "" = permanent).
	var sh struct {
		ShareID    string `json:"share_id"`
		Expiration string `json:"expiration"`
	}
	c.must("/adrive/v1.0/openFile/createShare", map[string]any{"driveId": c.drive, "fileIdList": []string{bid}, "expiration": "", "sharePwd": ""}, &sh)
	if sh.ShareID == "" || sh.Expiration != "" {
		t.Fatalf("permanent share: %+v; want an id and expiration \"\"", sh)
	}
	// trash and delete (FileAsyncTaskResult: drive_id, file_id, async_task_id).
	c.must("/adrive/v1.0/openFile/recyclebin/trash", map[string]any{"drive_id": c.drive, "file_id": cp.FileID}, &mv)
	c.must("/adrive/v1.0/openFile/delete", map[string]any{"drive_id": c.drive, "file_id": sid}, &mv)
	if st, code := c.post("/adrive/v1.0/openFile/get", map[string]any{"drive_id": c.drive, "file_id": sid}, nil); st != 404 || code != "NotFound.FileId" {
		t.Fatalf("get of a deleted file: HTTP %d %s; T-api api_error.go expects 404 NotFound.FileId", st, code)
	}
	// space info (user_api.go: personal_space_info.used_size/total_size).
	var sp struct {
		PersonalSpaceInfo struct {
			UsedSize  int64 `json:"used_size"`
			TotalSize int64 `json:"total_size"`
		} `json:"personal_space_info"`
	}
	c.must("/adrive/v1.0/user/getSpaceInfo", map[string]any{}, &sp)
	if sp.PersonalSpaceInfo.UsedSize < int64(len(big)) {
		t.Fatalf("space info: used %d", sp.PersonalSpaceInfo.UsedSize)
	}
}
