package conformance

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// client posts JSON as T-api's httpclient.Req does (aliyunpan_open/openapi/
// ali_pan_client.go: Authorization Bearer + Content-Type application/json).
type client struct {
	t     *testing.T
	ts    *local.TestServer
	token string
	drive string
}

func (c *client) post(path string, body any, out any) (int, string) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.ts.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Code string `json:"code"`
	}
	json.Unmarshal(raw, &e)
	if resp.StatusCode == 200 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s: answer %s: %v", path, raw, err)
		}
	}
	return resp.StatusCode, e.Code
}

func (c *client) must(path string, body, out any) {
	c.t.Helper()
	if st, code := c.post(path, body, out); st != 200 {
		c.t.Fatalf("%s %v: HTTP %d %s", path, body, st, code)
	}
}

// fileItem is T-api openapi/file_api.go FileItem (the fields read here).
type fileItem struct {
	DriveID      string `json:"drive_id"`
	ParentFileID string `json:"parent_file_id"`
	FileID       string `json:"file_id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Size         int64  `json:"size"`
	ContentHash  string `json:"content_hash"`
	Status       string `json:"status"`
	UpdatedAt    string `json:"updated_at"`
}

type listResult struct {
	Items      []fileItem `json:"items"`
	NextMarker string     `json:"next_marker"`
	TotalCount int64      `json:"total_count"`
}

// newClient logs in as T-api aliyunpan_open/openapi/ali_pan_client.go
// refreshes: POST /oauth/access_token with client_id, client_secret,
// grant_type refresh_token, refresh_token; then reads getDriveInfo
// (openapi/user_api.go).
func newClient(t *testing.T) *client {
	ts := local.NewTestServer(t, local.ServerOptions{})
	c := &client{t: t, ts: ts}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
		TokenType    string `json:"token_type"`
	}
	c.must("/oauth/access_token", map[string]string{"client_id": ts.ClientID, "client_secret": ts.ClientSecret,
		"grant_type": "refresh_token", "refresh_token": ts.RefreshToken}, &tok)
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("token answer %+v", tok)
	}
	c.token = tok.AccessToken
	var di struct {
		UserID         string `json:"user_id"`
		DefaultDriveID string `json:"default_drive_id"`
	}
	c.must("/adrive/v1.0/user/getDriveInfo", map[string]any{}, &di)
	if di.DefaultDriveID == "" || di.UserID == "" {
		t.Fatalf("getDriveInfo %+v", di)
	}
	c.drive = di.DefaultDriveID
	return c
}

// list sends T-api FileListParam whole (openapi/file_api.go FileList):
// empty marker/order/type/fields and limit as given.
func (c *client) list(parent, marker string, limit int) listResult {
	var r listResult
	c.must("/adrive/v1.0/openFile/list", map[string]any{"drive_id": c.drive, "parent_file_id": parent, "limit": limit,
		"marker": marker, "order_by": "", "order_direction": "", "type": "", "fields": ""}, &r)
	return r
}

// mkdir follows T-api openapi/file_upload_api.go FileUploadCreate for a
// folder (check_name_mode auto_rename when the caller gives none).
func (c *client) mkdir(parent, name, mode string) string {
	var r struct {
		FileID string `json:"file_id"`
		Exist  bool   `json:"exist"`
	}
	c.must("/adrive/v1.0/openFile/create", map[string]any{"drive_id": c.drive, "parent_file_id": parent, "name": name,
		"type": "folder", "check_name_mode": mode}, &r)
	return r.FileID
}

// upload follows T-api file_upload_api.go: create (size, part_info_list of
// part numbers only, content_hash + proof when known), PUT each part with
// no Content-Type (T-cli internal/functions/panupload/upload.go), then
// complete. It reports whether the create was a rapid upload.
func (c *client) upload(parent, name string, data []byte, partSize int) (string, bool) {
	n := max(1, (len(data)+partSize-1)/partSize)
	parts := []map[string]int{}
	for i := 1; i <= n; i++ {
		parts = append(parts, map[string]int{"part_number": i})
	}
	var cr struct {
		FileID       string `json:"file_id"`
		UploadID     string `json:"upload_id"`
		RapidUpload  bool   `json:"rapid_upload"`
		PartInfoList []struct {
			PartNumber int    `json:"part_number"`
			UploadURL  string `json:"upload_url"`
		} `json:"part_info_list"`
	}
	sum := sha1.Sum(data)
	body := map[string]any{"drive_id": c.drive, "parent_file_id": parent, "name": name, "type": "file",
		"check_name_mode": "refuse", "size": len(data), "part_info_list": parts,
		"content_hash_name": "sha1", "content_hash": strings.ToUpper(hex.EncodeToString(sum[:])), "proof_version": "v1",
		"proof_code": proofCode(c.token, data), "local_created_at": "2024-01-02T03:04:05.678Z", "local_modified_at": "2024-01-02T03:04:05.678Z"}
	c.must("/adrive/v1.0/openFile/create", body, &cr)
	if cr.RapidUpload {
		return cr.FileID, true
	}
	if len(cr.PartInfoList) != n {
		c.t.Fatalf("create answered %d part URLs for %d parts", len(cr.PartInfoList), n)
	}
	for i, p := range cr.PartInfoList {
		// getUploadUrl with T-api's whole PartInfoItem (upload_url "", part_size 0).
		var fresh struct {
			PartInfoList []struct {
				UploadURL string `json:"upload_url"`
			} `json:"part_info_list"`
		}
		c.must("/adrive/v1.0/openFile/getUploadUrl", map[string]any{"drive_id": c.drive, "file_id": cr.FileID, "upload_id": cr.UploadID,
			"part_info_list": []map[string]any{{"part_number": p.PartNumber, "upload_url": "", "part_size": 0}}}, &fresh)
		chunk := data[i*partSize : min(len(data), (i+1)*partSize)]
		req, _ := http.NewRequest(http.MethodPut, fresh.PartInfoList[0].UploadURL, bytes.NewReader(chunk))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			c.t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			c.t.Fatalf("part %d: HTTP %d", p.PartNumber, resp.StatusCode)
		}
	}
	var done fileItem
	c.must("/adrive/v1.0/openFile/complete", map[string]any{"drive_id": c.drive, "file_id": cr.FileID, "upload_id": cr.UploadID}, &done)
	if done.Size != int64(len(data)) {
		c.t.Fatalf("complete: size %d, want %d", done.Size, len(data))
	}
	return cr.FileID, false
}

func proofCode(token string, data []byte) string {
	p, _ := openapi.ProofCode(token, bytes.NewReader(data), int64(len(data)))
	return p
}
