package local

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// TestServerEndpointRates: an endpoint over its own rate answers 429
// TooManyRequests with x-retry-after while other endpoints go on
// (REFERENCE.md: alist's per-endpoint limits; T-api ali_api_error.go).
func TestServerEndpointRates(t *testing.T) {
	c := newRaw(t, ServerOptions{EndpointRates: map[string]float64{openapi.PathList: 0.01}})
	list := func() (int, http.Header) {
		st, h, _ := c.do(http.MethodPost, c.ts.URL+openapi.PathList, []byte(`{"parent_file_id":"root"}`))
		return st, h
	}
	for i := 0; i < endpointBurst; i++ {
		if st, _ := list(); st != 200 {
			t.Fatalf("list %d within the bucket: HTTP %d", i, st)
		}
	}
	st, h := list()
	if st != 429 || h.Get(openapi.HeaderRetryAfter) == "" {
		t.Fatalf("list over its rate: HTTP %d, x-retry-after %q; want 429 with x-retry-after", st, h.Get(openapi.HeaderRetryAfter))
	}
	if st := c.call(openapi.PathSpaceInfo, struct{}{}, nil); st != 200 {
		t.Fatalf("another endpoint while list is throttled: HTTP %d", st)
	}
}

// TestServerDownloadConcurrency: with every download slot taken, one more
// GET answers 403 RequestDeniedByCallback ExceedMaxConcurrency (T-cli
// downloader/worker.go); once a slot is free it is served.
func TestServerDownloadConcurrency(t *testing.T) {
	c := newRaw(t, ServerOptions{DownloadConcurrency: 1})
	up, err := c.ts.Drive.Upload(t.Context(), drive.UploadRequest{ParentFileID: drive.RootID, Name: "f", Size: 3, Content: strings.NewReader("abc")})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.ts.Drive.DownloadURL(t.Context(), up.File.FileID, 0)
	if err != nil {
		t.Fatal(err)
	}
	release, ok := c.ts.Server.downloadSlot(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if !ok {
		t.Fatal("the first slot was refused")
	}
	get := func() (int, string, string) {
		resp, err := http.Get(u.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var oe openapi.OSSError
		xml.Unmarshal(b, &oe)
		return resp.StatusCode, oe.Code, oe.Message
	}
	if st, code, msg := get(); st != 403 || code != codeDeniedByCallback || !strings.Contains(msg, "ExceedMaxConcurrency") {
		t.Fatalf("download over the limit: HTTP %d %s %q", st, code, msg)
	}
	release()
	if st, _, _ := get(); st != 200 {
		t.Fatalf("download with a free slot: HTTP %d", st)
	}
}
