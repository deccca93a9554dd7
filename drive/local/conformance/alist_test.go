package conformance

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// alist replays alist-org/alist drivers/aliyundrive_open (commit
// 2830575490e72a7afc8fd8e6b790a163b92a13b5). util.go
// requestReturnErrResp: resty POST, Authorization "Bearer "+AccessToken
// (empty until the first refresh), Content-Type application/json, body a
// base.Json map; an answer with code AccessTokenInvalid, AccessTokenExpired
// or I400JD, or any error while AccessToken is "", refreshes once and
// retries.
type alist struct {
	t                      *testing.T
	ts                     *local.TestServer
	access, refresh, drive string
	calls                  []string
}

// call is requestReturnErrResp; body nil sends no body (Init's
// getDriveInfo). It returns the answer and its error code.
func (a *alist) call(uri string, body map[string]any, retried bool) ([]byte, string) {
	a.t.Helper()
	a.calls = append(a.calls, uri)
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	st, raw := wire(a.t, http.MethodPost, a.ts.URL+uri, map[string]string{"Authorization": "Bearer " + a.access,
		"Content-Type": "application/json"}, b)
	code := errCode(raw)
	if st >= 400 && code == "" {
		a.t.Fatalf("%s: HTTP %d without an error code (alist reads only `code`): %s", uri, st, raw)
	}
	if code != "" {
		if !retried && (code == "AccessTokenInvalid" || code == "AccessTokenExpired" || code == "I400JD" || a.access == "") {
			a.refreshToken()
			return a.call(uri, body, true)
		}
		return raw, code
	}
	return raw, ""
}

func (a *alist) must(uri string, body map[string]any, out any) {
	a.t.Helper()
	raw, code := a.call(uri, body, false)
	if code != "" {
		a.t.Fatalf("%s %v: %s", uri, body, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s: answer %s: %v", uri, raw, err)
		}
	}
}

// refreshToken is util.go _refreshToken: POST /oauth/access_token with
// client_id, client_secret, grant_type, refresh_token; the new refresh
// token must be a JWT with the same sub as the old one (getSub), or alist
// fails with "not a jwt token" / "sub not match".
func (a *alist) refreshToken() {
	a.t.Helper()
	a.calls = append(a.calls, "/oauth/access_token")
	b, _ := json.Marshal(map[string]any{"client_id": a.ts.ClientID, "client_secret": a.ts.ClientSecret,
		"grant_type": "refresh_token", "refresh_token": a.refresh})
	st, raw := wire(a.t, http.MethodPost, a.ts.URL+"/oauth/access_token", map[string]string{"Content-Type": "application/json"}, b)
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if st != 200 || json.Unmarshal(raw, &tok) != nil || tok.RefreshToken == "" {
		a.t.Fatalf("refresh: HTTP %d %s", st, raw)
	}
	cur, ok1 := jwtSub(a.refresh)
	next, ok2 := jwtSub(tok.RefreshToken)
	if !ok1 || !ok2 || cur != next || cur == "" {
		a.t.Fatalf("alist getSub: refresh tokens %q -> %q are not JWTs with one sub (%q, %q)", a.refresh, tok.RefreshToken, cur, next)
	}
	a.refresh, a.access = tok.RefreshToken, tok.AccessToken
}

// alistFile is types.go File (the fields read here).
type alistFile struct {
	FileID   string `json:"file_id"`
	Name     string `json:"name"`
	FileName string `json:"file_name"`
	Size     int64  `json:"size"`
	Type     string `json:"type"`
	Hash     string `json:"content_hash"`
}

type alistCreateResp struct {
	FileID       string `json:"file_id"`
	UploadID     string `json:"upload_id"`
	RapidUpload  bool   `json:"rapid_upload"`
	PartInfoList []struct {
		PartNumber int    `json:"part_number"`
		UploadURL  string `json:"upload_url"`
	} `json:"part_info_list"`
}

// put is upload.go upload for a file under 20 MB (calPartSize: one part,
// or none when empty): create with check_name_mode ignore, local times
// and part_info_list; with rapid (the RapidUpload option, files over
// 100 KB) size + pre_hash (SHA-1 of the first 1024 bytes), and on
// PreHashMatched again without pre_hash but with content_hash, proof_code,
// proof_version v1. Then PUT each part (no headers; 200 or 409 is fine)
// and complete, which alist calls after a rapid upload too.
func (a *alist) put(parent, name string, data []byte, rapid bool) (alistFile, bool) {
	a.t.Helper()
	count := (len(data) + 20<<20 - 1) / (20 << 20)
	parts := []map[string]any{}
	for i := 0; i < count; i++ {
		parts = append(parts, map[string]any{"part_number": 1 + i})
	}
	create := map[string]any{"drive_id": a.drive, "parent_file_id": parent, "name": name, "type": "file",
		"check_name_mode": "ignore", "local_modified_at": "2024-05-06T07:08:09.010Z", "local_created_at": "2024-05-06T07:08:09.010Z",
		"part_info_list": parts}
	if rapid {
		pre := sha1.Sum(data[:min(1024, len(data))])
		create["size"] = len(data)
		create["pre_hash"] = hex.EncodeToString(pre[:])
	}
	var cr alistCreateResp
	raw, code := a.call("/adrive/v1.0/openFile/create", create, false)
	switch {
	case code == "PreHashMatched" && rapid:
		sum := sha1.Sum(data)
		delete(create, "pre_hash")
		create["proof_version"] = "v1"
		create["content_hash_name"] = "sha1"
		create["content_hash"] = hex.EncodeToString(sum[:])
		create["proof_code"], _ = openapi.ProofCode(a.access, bytes.NewReader(data), int64(len(data)))
		a.must("/adrive/v1.0/openFile/create", create, &cr)
	case code != "":
		a.t.Fatalf("create %s: %s", name, raw)
	default:
		json.Unmarshal(raw, &cr)
	}
	if !cr.RapidUpload {
		// alist walks the answered list, whatever its length (an empty
		// file's create asks for no parts; the answer may hold one).
		if len(cr.PartInfoList) < count {
			a.t.Fatalf("create %s: %d part URLs for %d parts", name, len(cr.PartInfoList), count)
		}
		for i, p := range cr.PartInfoList {
			chunk := data[min(len(data), i*20<<20):min(len(data), (i+1)*20<<20)]
			if st, raw := wire(a.t, http.MethodPut, p.UploadURL, nil, chunk); st != 200 && st != 409 {
				a.t.Fatalf("part %d: HTTP %d %s", p.PartNumber, st, raw)
			}
		}
	}
	var f alistFile
	a.must("/adrive/v1.0/openFile/complete", map[string]any{"drive_id": a.drive, "file_id": cr.FileID, "upload_id": cr.UploadID}, &f)
	return f, cr.RapidUpload
}

// list is util.go getFiles: limit 200, marker, order_by and
// order_direction as configured ("" by default), until next_marker is "".
func (a *alist) list(parent string) []alistFile {
	a.t.Helper()
	var all []alistFile
	marker := ""
	for {
		var r struct {
			Items      []alistFile `json:"items"`
			NextMarker string      `json:"next_marker"`
		}
		a.must("/adrive/v1.0/openFile/list", map[string]any{"drive_id": a.drive, "limit": 200, "marker": marker,
			"order_by": "", "order_direction": "", "parent_file_id": parent}, &r)
		all = append(all, r.Items...)
		if marker = r.NextMarker; marker == "" {
			return all
		}
	}
}

// newAlist is driver.go Init: getDriveInfo with no body and an empty
// bearer (which answers an error, so alist refreshes first), then
// default_drive_id.
func newAlist(t *testing.T, opts local.ServerOptions) *alist {
	ts := local.NewTestServer(t, opts)
	a := &alist{t: t, ts: ts, refresh: ts.RefreshToken}
	var di struct {
		DefaultDriveID string `json:"default_drive_id"`
	}
	a.must("/adrive/v1.0/user/getDriveInfo", nil, &di)
	if di.DefaultDriveID == "" {
		t.Fatalf("getDriveInfo: no default_drive_id")
	}
	a.drive = di.DefaultDriveID
	return a
}

// TestAlistScenario replays alist-org/alist drivers/aliyundrive_open
// (commit 2830575490e72a7afc8fd8e6b790a163b92a13b5): driver.go Init,
// MakeDir, List, Link, Move, Rename, Copy, Remove; upload.go upload
// (size-less create, rapid upload by pre_hash then proof); util.go
// refreshToken (JWT sub check, refresh on AccessTokenInvalid). alist
// lists 200 at a time, above the service's 100 (drive/openapi/REFERENCE.md,
// "Disagreement"), so the scenario runs with LargePages and
// TestAlistListLimit documents the default answer.
func TestAlistScenario(t *testing.T) {
	a := newAlist(t, local.ServerOptions{LargePages: true})
	if want := []string{"/adrive/v1.0/user/getDriveInfo", "/oauth/access_token", "/adrive/v1.0/user/getDriveInfo"}; len(a.calls) != 3 || a.calls[1] != want[1] {
		t.Fatalf("Init calls %v, want %v", a.calls, want)
	}

	var dir alistFile
	a.must("/adrive/v1.0/openFile/create", map[string]any{"drive_id": a.drive, "parent_file_id": "root", "name": "al",
		"type": "folder", "check_name_mode": "refuse"}, &dir)
	if dir.FileID == "" || (dir.Name != "al" && dir.FileName != "al") {
		t.Fatalf("MakeDir: %+v (fileToObj reads name or file_name)", dir)
	}
	var sub alistFile
	a.must("/adrive/v1.0/openFile/create", map[string]any{"drive_id": a.drive, "parent_file_id": dir.FileID, "name": "sub",
		"type": "folder", "check_name_mode": "refuse"}, &sub)

	// Uploads: empty (no parts), size-less one part, rapid twice.
	data := bytes.Repeat([]byte("alist-open "), 20000) // 220 KB: over rapid upload's 100 KB
	for _, tc := range []struct {
		name  string
		data  []byte
		rapid bool
		want  bool // rapid upload expected
	}{
		{"empty.txt", nil, false, false},
		{"plain.bin", data[:5000], false, false},
		{"first.bin", data, true, false},
		{"second.bin", data, true, true},
	} {
		f, rapid := a.put(dir.FileID, tc.name, tc.data, tc.rapid)
		sum := sha1.Sum(tc.data)
		if f.Size != int64(len(tc.data)) || rapid != tc.want || !bytes.EqualFold([]byte(f.Hash), []byte(hex.EncodeToString(sum[:]))) {
			t.Fatalf("upload %s: %+v rapid %v, want size %d rapid %v sha1 %x", tc.name, f, rapid, len(tc.data), tc.want, sum)
		}
	}
	items := a.list(dir.FileID)
	if len(items) != 5 {
		t.Fatalf("list: %d items %+v, want 5", len(items), items)
	}
	byName := map[string]alistFile{}
	for _, it := range items {
		byName[it.Name] = it
	}

	// Link: getDownloadUrl with expire_sec 14400, then a plain GET.
	var link struct {
		URL string `json:"url"`
	}
	a.must("/adrive/v1.0/openFile/getDownloadUrl", map[string]any{"drive_id": a.drive, "file_id": byName["second.bin"].FileID, "expire_sec": 14400}, &link)
	if st, got := wire(t, http.MethodGet, link.URL, nil, nil); st != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download: HTTP %d, %d bytes", st, len(got))
	}

	// Move refuse; a second move onto the same name answers exist.
	move := func(id string) (r struct {
		Exist  bool   `json:"exist"`
		FileID string `json:"file_id"`
	}) {
		a.must("/adrive/v1.0/openFile/move", map[string]any{"drive_id": a.drive, "file_id": id,
			"to_parent_file_id": sub.FileID, "check_name_mode": "refuse"}, &r)
		return r
	}
	if r := move(byName["plain.bin"].FileID); r.Exist || r.FileID == "" {
		t.Fatalf("move: %+v", r)
	}
	var dup alistFile
	a.must("/adrive/v1.0/openFile/create", map[string]any{"drive_id": a.drive, "parent_file_id": dir.FileID, "name": "plain.bin",
		"type": "folder", "check_name_mode": "refuse"}, &dup)
	if r := move(dup.FileID); !r.Exist {
		t.Fatalf("move onto an existing name with refuse: %+v; alist reads exist", r)
	}

	// Rename (update with name only), Copy (auto_rename true, same folder).
	var renamed alistFile
	a.must("/adrive/v1.0/openFile/update", map[string]any{"drive_id": a.drive, "file_id": byName["first.bin"].FileID, "name": "renamed.bin"}, &renamed)
	if renamed.Name != "renamed.bin" || renamed.FileID != byName["first.bin"].FileID {
		t.Fatalf("rename: %+v", renamed)
	}
	a.must("/adrive/v1.0/openFile/copy", map[string]any{"drive_id": a.drive, "file_id": renamed.FileID,
		"to_parent_file_id": dir.FileID, "auto_rename": true}, nil)

	// Token refresh on AccessTokenInvalid, then Remove both ways.
	a.access = "not-a-token"
	a.calls = nil
	a.must("/adrive/v1.0/openFile/recyclebin/trash", map[string]any{"drive_id": a.drive, "file_id": renamed.FileID}, nil)
	if len(a.calls) != 3 || a.calls[1] != "/oauth/access_token" {
		t.Fatalf("calls after a bad token %v, want trash, refresh, trash", a.calls)
	}
	a.must("/adrive/v1.0/openFile/delete", map[string]any{"drive_id": a.drive, "file_id": byName["empty.txt"].FileID}, nil)
	names := map[string]bool{}
	for _, it := range a.list(dir.FileID) {
		names[it.Name] = true
	}
	if len(names) != 4 || names["renamed.bin"] || names["empty.txt"] || !names["second.bin"] || !names["sub"] || !names["plain.bin"] {
		t.Fatalf("after copy/trash/delete: %v, want second.bin, sub, plain.bin and the auto-renamed copy", names)
	}
}

// TestAlistListLimit documents the default answer to alist's list
// (util.go getFiles, limit 200): the embedded server refuses it like a
// service that allows 100, 400 InvalidParameter.Limit (REFERENCE.md
// "Disagreement"); alist users need LargePages (list_limit.large).
func TestAlistListLimit(t *testing.T) {
	a := newAlist(t, local.ServerOptions{})
	raw, code := a.call("/adrive/v1.0/openFile/list", map[string]any{"drive_id": a.drive, "limit": 200, "marker": "",
		"order_by": "", "order_direction": "", "parent_file_id": "root"}, false)
	if code != "InvalidParameter.Limit" {
		t.Fatalf("limit 200: %s, want InvalidParameter.Limit", raw)
	}
}
