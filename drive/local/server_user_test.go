package local

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// TestServerUserAndExtraEndpoints: getVipInfo (both paths), GET
// oauth/users/info and scopes, createFastTransfer, the video preview
// answer for a file with none, and url on list items under 5 MB.
func TestServerUserAndExtraEndpoints(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	for _, p := range []string{pathVipInfo, pathVipInfoOld} {
		var v vipInfo
		if st := c.call(p, struct{}{}, &v); st != 200 || v.Identity != "member" {
			t.Errorf("%s: HTTP %d %+v", p, st, v)
		}
	}
	var ui userInfo
	if st, _, raw := c.do(http.MethodGet, c.ts.URL+pathUserInfo, nil); st != 200 || jsonInto(raw, &ui) != nil || ui.ID == "" {
		t.Errorf("users/info: HTTP %d %s", st, raw)
	}
	var us userScopes
	if st, _, raw := c.do(http.MethodGet, c.ts.URL+pathUserScopes, nil); st != 200 || jsonInto(raw, &us) != nil || len(us.Scopes) == 0 {
		t.Errorf("users/scopes: HTTP %d %s", st, raw)
	}

	ctx := t.Context()
	up, err := c.ts.Drive.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "small.txt", Size: 5, Content: strings.NewReader("small")})
	if err != nil {
		t.Fatal(err)
	}
	small := up.File
	var lr openapi.ListResponse
	c.call(openapi.PathList, map[string]any{"parent_file_id": "root"}, &lr)
	if len(lr.Items) != 1 || lr.Items[0].URL == "" {
		t.Fatalf("list items: %+v; want small.txt with a url", lr.Items)
	}
	resp, err := http.Get(lr.Items[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "small" {
		t.Fatalf("list item url served %q", body)
	}

	var ft fastTransferAnswer
	if st := c.call(pathFastTransfer, map[string]any{"drive_file_list": []map[string]string{{"drive_id": c.ts.Drive.opts.DriveID, "file_id": small.FileID}}}, &ft); st != 200 || ft.ShareID == "" {
		t.Errorf("createFastTransfer: HTTP %d %+v", st, ft)
	}
	runStrict(t, c, []strictCase{
		{"fast transfer of nothing", pathFastTransfer, `{"drive_file_list":[]}`, 400, drive.CodeInvalidParameter},
		{"video preview of a text file", pathVideoPlayInfo, `{"file_id":"` + small.FileID + `","category":"live_transcoding"}`, 404, "NotFound.VideoPreviewInfo"},
		{"video preview of an unknown id", pathVideoPlayInfo, `{"file_id":"nope"}`, 404, drive.CodeNotFoundFileID},
	})
}

func jsonInto(raw []byte, v any) error { return json.Unmarshal(raw, v) }
