package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/local"
)

// opendal replays apache/opendal core/services/aliyun-drive/src (commit
// 68a76e499f57fbf707de0bee9b33e47721c45eb6; core/src/services/aliyun_drive
// before the split). core.rs send: User-Agent "opendal/VERSION" on every
// request, Content-Type "application/json;charset=UTF-8" on POST, Bearer
// only when a token is given (never on part PUTs). serde writes each
// request struct in field order with None as null (no
// skip_serializing_if), so the bodies are built by hand here.
type opendal struct {
	t            *testing.T
	ts           *local.TestServer
	token, drive string
}

const opendalUA = "opendal/0.55.0"

func (o *opendal) post(uri, body string) (int, []byte) {
	o.t.Helper()
	hdr := map[string]string{"User-Agent": opendalUA, "Content-Type": "application/json;charset=UTF-8"}
	if o.token != "" {
		hdr["Authorization"] = "Bearer " + o.token
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return wire(o.t, http.MethodPost, o.ts.URL+uri, hdr, b)
}

func (o *opendal) must(uri, body string, out any) {
	o.t.Helper()
	st, raw := o.post(uri, body)
	if st < 200 || st > 299 {
		o.t.Fatalf("%s %s: HTTP %d %s", uri, body, st, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			o.t.Fatalf("%s: answer %s: %v", uri, raw, err)
		}
	}
}

// odFile is core.rs AliyunDriveFile; updated_at must parse as a
// timestamp (backend.rs stat, lister.rs).
type odFile struct {
	FileID       string  `json:"file_id"`
	ParentFileID string  `json:"parent_file_id"`
	Name         string  `json:"name"`
	Size         *uint64 `json:"size"`
	ContentType  *string `json:"content_type"`
	Type         string  `json:"type"`
	UpdatedAt    string  `json:"updated_at"`
}

// getByPath is core.rs get_by_path ({drive_id, file_path}, the path
// rooted, no trailing slash); ok false on 400 NotFound.File, the only
// answer parse_error maps to NotFound (anything else fails the caller).
func (o *opendal) getByPath(path string) (odFile, bool) {
	o.t.Helper()
	st, raw := o.post("/adrive/v1.0/openFile/get_by_path", `{"drive_id":`+q(o.drive)+`,"file_path":`+q(path)+`}`)
	if st == 400 && errCode(raw) == "NotFound.File" {
		return odFile{}, false
	}
	var f odFile
	if st != 200 || json.Unmarshal(raw, &f) != nil {
		o.t.Fatalf("get_by_path %s: HTTP %d %s", path, st, raw)
	}
	if _, err := time.Parse(time.RFC3339, f.UpdatedAt); err != nil {
		o.t.Fatalf("get_by_path %s: updated_at %q: %v", path, f.UpdatedAt, err)
	}
	return f, true
}

// create is core.rs create / create_with_rapid_upload without rapid
// upload: CreateRequest with size and every hash field null.
func (o *opendal) create(parent, name, typ, mode string) (id, uploadID string, exist bool) {
	o.t.Helper()
	var r struct {
		FileID   string  `json:"file_id"`
		UploadID *string `json:"upload_id"`
		Exist    *bool   `json:"exist"`
	}
	o.must("/adrive/v1.0/openFile/create", `{"drive_id":`+q(o.drive)+`,"parent_file_id":`+q(parent)+`,"name":`+q(name)+
		`,"type":`+q(typ)+`,"check_name_mode":`+q(mode)+
		`,"size":null,"pre_hash":null,"content_hash":null,"content_hash_name":null,"proof_code":null,"proof_version":null}`, &r)
	if r.UploadID != nil {
		uploadID = *r.UploadID
	}
	return r.FileID, uploadID, r.Exist != nil && *r.Exist
}

// ensureDir is core.rs ensure_dir_exists: create each segment as a folder
// with refuse, under "root" first, taking the answered file_id (existing
// or new) as the next parent.
func (o *opendal) ensureDir(path string) string {
	o.t.Helper()
	parent := "root"
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if seg == "" {
			continue
		}
		parent, _, _ = o.create(parent, seg, "folder", "refuse")
	}
	return parent
}

func (o *opendal) deletePath(id string) {
	o.t.Helper()
	o.must("/adrive/v1.0/openFile/delete", `{"drive_id":`+q(o.drive)+`,"file_id":`+q(id)+`}`, nil)
}

// write is writer.rs AliyunDriveLazyWriter + AliyunDriveWriter: ensure
// the parent, get_by_path the target and delete it (write overwrites),
// then on the first chunk a size-less create with refuse; each chunk is
// its own part, numbered from 1: getUploadUrl for that one part_number,
// PUT the chunk (User-Agent only; 409 is taken as done), then complete.
func (o *opendal) write(dir, name string, chunks ...[]byte) {
	o.t.Helper()
	parent := o.ensureDir(dir)
	if f, ok := o.getByPath("/" + strings.Trim(dir, "/") + "/" + name); ok {
		o.deletePath(f.FileID)
	}
	id, up, exist := o.create(parent, name, "file", "refuse")
	if exist || up == "" {
		o.t.Fatalf("create %s: exist %v upload_id %q", name, exist, up)
	}
	for i, c := range chunks {
		var u struct {
			PartInfoList []struct {
				UploadURL string `json:"upload_url"`
			} `json:"part_info_list"`
		}
		o.must("/adrive/v1.0/openFile/getUploadUrl", `{"drive_id":`+q(o.drive)+`,"file_id":`+q(id)+`,"upload_id":`+q(up)+
			fmt.Sprintf(`,"part_info_list":[{"part_number":%d}]}`, i+1), &u)
		if len(u.PartInfoList) != 1 {
			o.t.Fatalf("getUploadUrl part %d: %+v", i+1, u)
		}
		if st, raw := wire(o.t, http.MethodPut, u.PartInfoList[0].UploadURL, map[string]string{"User-Agent": opendalUA}, c); (st < 200 || st > 299) && st != 409 {
			o.t.Fatalf("part %d: HTTP %d %s", i+1, st, raw)
		}
	}
	o.must("/adrive/v1.0/openFile/complete", `{"drive_id":`+q(o.drive)+`,"file_id":`+q(id)+`,"upload_id":`+q(up)+`}`, nil)
}

// read is reader.rs open: get_by_path, getDownloadUrl {drive_id, file_id}
// (no expire_sec), GET with the range header (User-Agent, no bearer).
func (o *opendal) read(path, rng string) (int, []byte) {
	o.t.Helper()
	f, ok := o.getByPath(path)
	if !ok {
		o.t.Fatalf("read %s: not found", path)
	}
	var u struct {
		URL string `json:"url"`
	}
	o.must("/adrive/v1.0/openFile/getDownloadUrl", `{"drive_id":`+q(o.drive)+`,"file_id":`+q(f.FileID)+`}`, &u)
	return wire(o.t, http.MethodGet, u.URL, map[string]string{"User-Agent": opendalUA, "Range": rng}, nil)
}

// list is lister.rs next_page: get_by_path the folder, then ListRequest
// {drive_id, parent_file_id, limit, marker} with null for what is unset,
// following next_marker until it is "" or absent.
func (o *opendal) list(path string, limit int) ([]odFile, int) {
	o.t.Helper()
	parent, ok := o.getByPath(path)
	if !ok {
		o.t.Fatalf("list %s: not found", path)
	}
	lim := "null"
	if limit > 0 {
		lim = fmt.Sprint(limit)
	}
	var all []odFile
	marker, pages := "null", 0
	for {
		var r struct {
			Items      []odFile `json:"items"`
			NextMarker *string  `json:"next_marker"`
		}
		o.must("/adrive/v1.0/openFile/list", `{"drive_id":`+q(o.drive)+`,"parent_file_id":`+q(parent.FileID)+`,"limit":`+lim+`,"marker":`+marker+`}`, &r)
		pages++
		for _, it := range r.Items {
			if _, err := time.Parse(time.RFC3339, it.UpdatedAt); err != nil {
				o.t.Fatalf("list %s: %s updated_at %q: %v", path, it.Name, it.UpdatedAt, err)
			}
		}
		all = append(all, r.Items...)
		if r.NextMarker == nil || *r.NextMarker == "" {
			return all, pages
		}
		marker = q(*r.NextMarker)
	}
}

// newOpendal is core.rs get_token_and_drive with the Refresh signer:
// get_access_token (AccessTokenRequest field order, no bearer), then
// getDriveInfo with an empty body.
func newOpendal(t *testing.T) *opendal {
	ts := local.NewTestServer(t, local.ServerOptions{})
	o := &opendal{t: t, ts: ts}
	var tok struct {
		AccessToken  string `json:"access_token"`
		ExpiresIn    int64  `json:"expires_in"`
		RefreshToken string `json:"refresh_token"`
	}
	o.must("/oauth/access_token", `{"refresh_token":`+q(ts.RefreshToken)+`,"grant_type":"refresh_token","client_id":`+q(ts.ClientID)+
		`,"client_secret":`+q(ts.ClientSecret)+`}`, &tok)
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("token: %+v", tok)
	}
	o.token = tok.AccessToken
	var di struct {
		DefaultDriveID  string  `json:"default_drive_id"`
		ResourceDriveID *string `json:"resource_drive_id"`
		BackupDriveID   *string `json:"backup_drive_id"`
	}
	o.must("/adrive/v1.0/user/getDriveInfo", "", &di)
	if di.DefaultDriveID == "" {
		t.Fatalf("getDriveInfo: no default_drive_id")
	}
	o.drive = di.DefaultDriveID
	return o
}

// TestOpendalScenario replays apache/opendal's aliyun_drive service
// (commit 68a76e499f57fbf707de0bee9b33e47721c45eb6,
// core/services/aliyun-drive/src/{core,backend,writer,lister,reader,
// deleter}.rs): create_dir (ensure_dir_exists twice: refuse answers the
// existing folder), write (size-less create, sequential single-part
// getUploadUrl + PUT, parts of different lengths, complete), overwrite,
// stat, list with and without limit, read with ranges, rename (move
// auto_rename + update refuse), copy into the same folder (auto_rename
// true + update), delete, delete of a missing path and abort.
func TestOpendalScenario(t *testing.T) {
	o := newOpendal(t)
	d1 := o.ensureDir("dir/sub/")
	if d2 := o.ensureDir("dir/sub/"); d2 != d1 {
		t.Fatalf("ensure_dir_exists again: %s, want %s", d2, d1)
	}

	p1 := bytes.Repeat([]byte("a"), 100<<10)
	p2 := bytes.Repeat([]byte("b"), 150<<10)
	p3 := []byte("tail!!!")
	o.write("dir/sub", "f.bin", p1, p2, p3)
	want := append(append(append([]byte{}, p1...), p2...), p3...)
	f, ok := o.getByPath("/dir/sub/f.bin")
	if !ok || f.Type != "file" || f.Size == nil || *f.Size != uint64(len(want)) || f.ParentFileID != d1 {
		t.Fatalf("stat after write: %+v", f)
	}
	// Overwrite: get_by_path + delete + create again.
	o.write("dir/sub", "f.bin", []byte("v2 "), []byte("content"))
	if g, _ := o.getByPath("/dir/sub/f.bin"); g.FileID == f.FileID || g.Size == nil || *g.Size != 10 {
		t.Fatalf("overwrite: %+v (old id %s)", g, f.FileID)
	}
	if st, got := o.read("/dir/sub/f.bin", "bytes=0-"); (st != 200 && st != 206) || string(got) != "v2 content" {
		t.Fatalf("read bytes=0-: HTTP %d %q", st, got)
	}
	o.write("dir/sub", "big.bin", p1, p2, p3)
	for _, rc := range []struct {
		rng  string
		want []byte
	}{
		{"bytes=3-9", want[3:10]},
		{"bytes=-7", p3},
		{fmt.Sprintf("bytes=%d-", len(want)-10), want[len(want)-10:]},
	} {
		if st, got := o.read("/dir/sub/big.bin", rc.rng); st != 206 || !bytes.Equal(got, rc.want) {
			t.Fatalf("read %s: HTTP %d %q, want 206 %q", rc.rng, st, got, rc.want)
		}
	}

	// list: one page (limit null), then 1 per page.
	for i := 0; i < 3; i++ {
		o.ensureDir(fmt.Sprintf("dir/sub/d%d", i))
	}
	if items, pages := o.list("/dir/sub", 0); len(items) != 5 || pages != 1 {
		t.Fatalf("list limit null: %d items in %d pages, want 5 in 1", len(items), pages)
	}
	if items, pages := o.list("/dir/sub", 2); len(items) != 5 || pages != 3 {
		t.Fatalf("list limit 2: %d items in %d pages, want 5 in 3", len(items), pages)
	}

	// rename /dir/sub/f.bin -> /dir/other/g.bin (backend.rs rename).
	src, _ := o.getByPath("/dir/sub/f.bin")
	if _, ok := o.getByPath("/dir/other/g.bin"); ok {
		t.Fatal("g.bin exists before the rename")
	}
	other := o.ensureDir("dir/other")
	o.must("/adrive/v1.0/openFile/move", `{"drive_id":`+q(o.drive)+`,"file_id":`+q(src.FileID)+`,"to_parent_file_id":`+q(other)+`,"check_name_mode":"auto_rename"}`, nil)
	o.must("/adrive/v1.0/openFile/update", `{"drive_id":`+q(o.drive)+`,"file_id":`+q(src.FileID)+`,"name":"g.bin","check_name_mode":"refuse"}`, nil)
	if g, ok := o.getByPath("/dir/other/g.bin"); !ok || g.FileID != src.FileID {
		t.Fatalf("after rename: %+v %v", g, ok)
	}

	// copy /dir/other/g.bin -> /dir/other/h.bin: same folder, so
	// auto_rename true, then update the copy's name (backend.rs copy).
	var cp struct {
		FileID string `json:"file_id"`
	}
	o.must("/adrive/v1.0/openFile/copy", `{"drive_id":`+q(o.drive)+`,"file_id":`+q(src.FileID)+`,"to_parent_file_id":`+q(other)+`,"auto_rename":true}`, &cp)
	if cp.FileID == "" || cp.FileID == src.FileID {
		t.Fatalf("copy: file_id %q", cp.FileID)
	}
	o.must("/adrive/v1.0/openFile/update", `{"drive_id":`+q(o.drive)+`,"file_id":`+q(cp.FileID)+`,"name":"h.bin","check_name_mode":"refuse"}`, nil)
	if st, got := o.read("/dir/other/h.bin", "bytes=0-"); (st != 200 && st != 206) || string(got) != "v2 content" {
		t.Fatalf("read the copy: HTTP %d %q", st, got)
	}

	// delete (deleter.rs): found → delete; missing → nothing to do.
	h, _ := o.getByPath("/dir/other/h.bin")
	o.deletePath(h.FileID)
	if _, ok := o.getByPath("/dir/other/h.bin"); ok {
		t.Fatal("h.bin still there after delete")
	}

	// abort (writer.rs abort): create, then delete_path.
	id, _, _ := o.create(other, "aborted.bin", "file", "refuse")
	o.deletePath(id)
	if items, _ := o.list("/dir/other", 0); len(items) != 1 || items[0].Name != "g.bin" {
		t.Fatalf("/dir/other after delete and abort: %+v, want only g.bin", items)
	}
}
