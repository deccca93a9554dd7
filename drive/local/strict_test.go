package local

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// strictCase is one call and the real service's answer to it
// (drive/openapi/REFERENCE.md names the source of each).
type strictCase struct {
	name   string
	path   string
	body   string
	status int
	code   string
}

func runStrict(t *testing.T, c *rawClient, cases []strictCase) {
	t.Helper()
	for _, tc := range cases {
		st, _, raw := c.do(http.MethodPost, c.ts.URL+tc.path, []byte(tc.body))
		var eb openapi.ErrorBody
		json.Unmarshal(raw, &eb)
		if st != tc.status || eb.Code != tc.code {
			t.Errorf("%s: HTTP %d code %q (%s); want HTTP %d code %q", tc.name, st, eb.Code, raw, tc.status, tc.code)
		}
	}
}

// TestServerStrictErrors: what the real service refuses, with its status
// and code (REFERENCE.md "Files: read", "Status codes by class").
func TestServerStrictErrors(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	drv := c.ts.Drive.opts.DriveID
	runStrict(t, c, []strictCase{
		// T-api api_error.go: 404 NotFound.FileId; iOS AliyunpanError.swift notFound.
		{"get unknown id", openapi.PathGet, `{"drive_id":"` + drv + `","file_id":"nope"}`, 404, drive.CodeNotFoundFileID},
		{"download url unknown id", openapi.PathGetDownloadURL, `{"drive_id":"` + drv + `","file_id":"nope"}`, 404, drive.CodeNotFoundFileID},
		{"trash unknown id", openapi.PathTrash, `{"drive_id":"` + drv + `","file_id":"nope"}`, 404, drive.CodeNotFoundFileID},
		// T-api api_error.go: 400 NotFound.File; OpenDAL aliyun_drive/error.rs.
		{"get_by_path missing", openapi.PathGetByPath, `{"drive_id":"` + drv + `","file_path":"/no/such"}`, 400, drive.CodeNotFoundFile},
		// T-api api_error.go ParseAliApiError: 403 UserNotAllowedAccessDrive.
		{"foreign drive_id", openapi.PathList, `{"drive_id":"someone-else","parent_file_id":"root"}`, 403, codeForeignDrive},
		{"foreign to_drive_id", openapi.PathMove, `{"drive_id":"` + drv + `","file_id":"x","to_drive_id":"other","to_parent_file_id":"root"}`, 403, codeForeignDrive},
		{"foreign driveId on createShare", openapi.PathCreateShare, `{"driveId":"other","fileIdList":["x"]}`, 403, codeForeignDrive},
		// T-api file_api.go FileListParam/FileSearchParam: max 100, refused not clamped.
		{"list limit 101", openapi.PathList, `{"drive_id":"` + drv + `","parent_file_id":"root","limit":101}`, 400, codeInvalidLimit},
		{"search limit 500", openapi.PathSearch, `{"drive_id":"` + drv + `","query":"name match 'a'","limit":500}`, 400, codeInvalidLimit},
		// T-api FileSearchParam: at most 5 conditions.
		{"search with 6 conditions", openapi.PathSearch, `{"query":"name = 'a' or name = 'b' or name = 'c' or name = 'd' or name = 'e' or name = 'f'"}`, 400, "InvalidParameter.Query"},
		{"search with 5 conditions", openapi.PathSearch, `{"query":"name = 'a' or name = 'b' or name = 'c' or name = 'd' or (name = 'e')"}`, 200, ""},
		{"list limit 100", openapi.PathList, `{"drive_id":"` + drv + `","parent_file_id":"root","limit":100}`, 200, ""},
		// Wrong types are an InvalidParameter class 400, never a 500.
		{"limit as string", openapi.PathList, `{"parent_file_id":"root","limit":"ten"}`, 400, drive.CodeInvalidRequestBody},
		{"file_id as object", openapi.PathGet, `{"file_id":{"a":1}}`, 400, drive.CodeInvalidRequestBody},
		{"not json", openapi.PathGet, `{"file_id":`, 400, drive.CodeInvalidRequestBody},
		// Unknown fields are ignored (clients send fields:"*", image_thumbnail_process…).
		{"unknown field", openapi.PathList, `{"parent_file_id":"root","fields":"*","video_thumbnail_process":"x"}`, 200, ""},
	})
	var caps openapi.Capabilities
	c.call(openapi.PathCapabilities, struct{}{}, &caps)
	for _, e := range caps.Extensions {
		if e == openapi.ExtLargePages {
			t.Errorf("capabilities advertise %s without ServerOptions.LargePages", e)
		}
	}

	large := newRaw(t, ServerOptions{LargePages: true})
	runStrict(t, large, []strictCase{{"list limit 500 with LargePages", openapi.PathList, `{"parent_file_id":"root","limit":500}`, 200, ""}})
	large.call(openapi.PathCapabilities, struct{}{}, &caps)
	if !strings.Contains(strings.Join(caps.Extensions, ","), openapi.ExtLargePages) {
		t.Errorf("LargePages on, capabilities %v lack %s", caps.Extensions, openapi.ExtLargePages)
	}
	for _, e := range caps.Extensions {
		if e == openapi.ExtFaults {
			t.Errorf("capabilities advertise %s with no faults configured", e)
		}
	}
	large.ts.Server.SetFaults([]Fault{{Kind: FaultLatency, Prob: 1}}, 1)
	caps = openapi.Capabilities{}
	large.call(openapi.PathCapabilities, struct{}{}, &caps)
	if !strings.Contains(strings.Join(caps.Extensions, ","), openapi.ExtFaults) {
		t.Errorf("faults on, capabilities %v lack %s", caps.Extensions, openapi.ExtFaults)
	}
}

// TestServerNameModesDefaultToIgnore: with no check_name_mode, create and
// update allow duplicates (PDS CreateFile docs, T-api FileUpdateParam),
// copy with auto_rename false makes a duplicate (iOS CopyFile.swift), and
// move's new_name applies only on a clash (T-api FileMoveParam).
func TestServerNameModesDefaultToIgnore(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	var a, b openapi.CreateResponse
	for _, out := range []*openapi.CreateResponse{&a, &b} {
		if st := c.call(openapi.PathCreate, map[string]any{"parent_file_id": "root", "name": "dup", "type": "folder"}, out); st != 200 {
			t.Fatalf("create folder: HTTP %d", st)
		}
	}
	if a.FileID == b.FileID || b.Exist {
		t.Fatalf("create without check_name_mode: %+v then %+v; want two folders (ignore)", a, b)
	}
	var r openapi.CreateResponse
	if st := c.call(openapi.PathCreate, map[string]any{"parent_file_id": "root", "name": "dup", "type": "folder", "check_name_mode": "refuse"}, &r); st != 200 || !r.Exist {
		t.Fatalf("create refuse on a taken name: HTTP %d %+v; want exist: true", st, r)
	}
	var dst, f openapi.CreateResponse
	c.call(openapi.PathCreate, map[string]any{"parent_file_id": "root", "name": "dst", "type": "folder"}, &dst)
	c.call(openapi.PathCreate, map[string]any{"parent_file_id": a.FileID, "name": "x", "type": "folder"}, &f)
	var cp openapi.CopyResponse
	for i := 0; i < 2; i++ {
		if st := c.call(openapi.PathCopy, map[string]any{"file_id": f.FileID, "to_parent_file_id": dst.FileID}, &cp); st != 200 {
			t.Fatalf("copy %d onto a taken name: HTTP %d; want 200 (duplicate)", i, st)
		}
	}
	var lr openapi.ListResponse
	c.call(openapi.PathList, map[string]any{"parent_file_id": dst.FileID}, &lr)
	if len(lr.Items) != 2 || lr.Items[0].Name != "x" || lr.Items[1].Name != "x" {
		t.Fatalf("after two copies: %d items; want two named x", len(lr.Items))
	}
	// move with new_name and no clash: the name stays.
	var mv openapi.MoveResponse
	var g openapi.CreateResponse
	c.call(openapi.PathCreate, map[string]any{"parent_file_id": a.FileID, "name": "g", "type": "folder"}, &g)
	if st := c.call(openapi.PathMove, map[string]any{"file_id": g.FileID, "to_parent_file_id": b.FileID, "new_name": "other"}, &mv); st != 200 {
		t.Fatalf("move: HTTP %d", st)
	}
	var got drive.File
	c.call(openapi.PathGet, map[string]any{"file_id": g.FileID}, &got)
	if got.Name != "g" || got.ParentFileID != b.FileID {
		t.Fatalf("move with new_name and no clash: %q in %s; want g in %s", got.Name, got.ParentFileID, b.FileID)
	}
	// with a clash (x is in dst twice): new_name is used.
	var x2 openapi.CreateResponse
	c.call(openapi.PathCreate, map[string]any{"parent_file_id": b.FileID, "name": "x", "type": "folder"}, &x2)
	c.call(openapi.PathMove, map[string]any{"file_id": x2.FileID, "to_parent_file_id": dst.FileID, "new_name": "x-moved", "check_name_mode": "refuse"}, &mv)
	c.call(openapi.PathGet, map[string]any{"file_id": x2.FileID}, &got)
	if got.Name != "x-moved" || got.ParentFileID != dst.FileID {
		t.Fatalf("move onto a clash with new_name: %q in %s; want x-moved in %s", got.Name, got.ParentFileID, dst.FileID)
	}
}

// TestServerPartPUTRules: a part PUT with Content-Type fails the signature
// (OSS SignatureDoesNotMatch), parts go in order unless parallelUpload was
// granted (OSS PartNotSequential). A create without size:
// TestServerCreateWithoutSize.
func TestServerPartPUTRules(t *testing.T) {
	for _, parallel := range []bool{false, true} {
		c := newRaw(t, ServerOptions{ParallelUpload: parallel})
		var cr openapi.CreateResponse
		st := c.call(openapi.PathCreate, map[string]any{"parent_file_id": "root", "name": "f", "type": "file", "size": 200,
			"part_info_list": []map[string]any{{"part_number": 1, "part_size": 100}, {"part_number": 2, "part_size": 100}}}, &cr)
		if st != 200 || len(cr.PartInfoList) != 2 {
			t.Fatalf("create: HTTP %d %+v", st, cr)
		}
		put := func(i int, ctype string) (int, string) {
			req, _ := http.NewRequest(http.MethodPut, cr.PartInfoList[i].UploadURL, bytes.NewReader(bytes.Repeat([]byte{'a'}, 100)))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var oe openapi.OSSError
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			xml.Unmarshal(buf.Bytes(), &oe)
			return resp.StatusCode, oe.Code
		}
		if st, code := put(0, "application/octet-stream"); st != 403 || code != codeSignatureMismatch {
			t.Fatalf("part PUT with Content-Type: HTTP %d %s; want 403 %s", st, code, codeSignatureMismatch)
		}
		st, code := put(1, "")
		if !parallel && (st != 400 || code != codePartNotSequential) {
			t.Fatalf("part 2 before part 1: HTTP %d %s; want 400 %s", st, code, codePartNotSequential)
		}
		if parallel && st != 200 {
			t.Fatalf("part 2 before part 1 with parallelUpload: HTTP %d %s", st, code)
		}
		if st, code := put(0, ""); st != 200 {
			t.Fatalf("part 1: HTTP %d %s", st, code)
		}
		if st, code := put(1, ""); st != 200 && !(parallel && st == 409) {
			t.Fatalf("part 2 after part 1: HTTP %d %s", st, code)
		}
	}
}

// FuzzServerBodies feeds arbitrary JSON bodies to every Open API route: the
// answer is a success or a 4xx error, never a 5xx (the real service answers
// bad input with InvalidParameter*).
func FuzzServerBodies(f *testing.F) {
	paths := []string{openapi.PathGet, openapi.PathGetByPath, openapi.PathList, openapi.PathSearch, openapi.PathCreate,
		openapi.PathUpdate, openapi.PathMove, openapi.PathCopy, openapi.PathTrash, openapi.PathDelete,
		openapi.PathGetUploadURL, openapi.PathListUploadedParts, openapi.PathComplete, openapi.PathGetDownloadURL,
		openapi.PathCreateShare, openapi.PathDriveInfo, openapi.PathSpaceInfo}
	for i, b := range []string{`{}`, `{"parent_file_id":"root","limit":101}`, `{"file_id":1}`, `{"name":"a","type":"file","size":-1}`,
		`{"query":"name = 'a' and (size > 1"}`, `{"part_info_list":[{"part_number":0}]}`, `[1,2]`, `null`, `{"file_path":"//.."}`} {
		f.Add(uint8(i), []byte(b))
	}
	d, err := Open(f.TempDir(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := paths[int(which)%len(paths)]
		_, err := d.Request(t.Context(), path, body)
		var de *drive.Error
		if err != nil && (!errors.As(err, &de) || de.Status >= 500 || de.Status == 0) {
			t.Fatalf("%s %q: %v", path, body, err)
		}
	})
}
