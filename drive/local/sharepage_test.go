package local

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// getPage fetches url and returns its status and body.
func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestShareURLServesSharePage: the URL CreateShare gives opens a page
// listing the shared file, whose link downloads it; a password-protected
// share asks for its password first; a canceled share is gone.
func TestShareURLServesSharePage(t *testing.T) {
	ctx := context.Background()
	ts := NewTestServer(t, ServerOptions{})
	d := ts.Drive
	up, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "report <1>.txt", Size: 5, Content: strings.NewReader("hello")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, password, query string
		wantPage              string
		wantFile              bool
	}{
		{name: "open", wantPage: "report &lt;1&gt;.txt", wantFile: true},
		{name: "no password given", password: "s3cret", wantPage: `name="pwd"`},
		{name: "wrong password", password: "s3cret", query: "?pwd=nope", wantPage: "Wrong password"},
		{name: "password", password: "s3cret", query: "?pwd=s3cret", wantPage: "report &lt;1&gt;.txt", wantFile: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, err := d.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{up.File.FileID}, Password: tt.password})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sh.ShareURL, ts.URL+SharePrefix) {
				t.Fatalf("share url %q is not under %s", sh.ShareURL, ts.URL+SharePrefix)
			}
			code, body := getPage(t, sh.ShareURL+tt.query)
			if code != http.StatusOK || !strings.Contains(body, tt.wantPage) {
				t.Fatalf("GET %s = %d, want 200 with %q:\n%s", sh.ShareURL, code, tt.wantPage, body)
			}
			code, body = getPage(t, sh.ShareURL+"/"+up.File.FileID+tt.query)
			if tt.wantFile != (code == http.StatusOK && body == "hello") {
				t.Fatalf("download = %d %q, want the file: %v", code, body, tt.wantFile)
			}
			if err := d.CancelShare(ctx, sh.ShareID); err != nil {
				t.Fatal(err)
			}
			if code, _ := getPage(t, sh.ShareURL+tt.query); code != http.StatusNotFound {
				t.Fatalf("canceled share: GET = %d, want 404", code)
			}
		})
	}
}
