package aliyun

// Tests of the client against answers shaped like the real Open API's, one
// per point of shared/notes/fidelity.md "Client-side behaviours"; each
// handler cites the public source of the behaviour it imitates (see
// drive/openapi/REFERENCE.md).

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// A permanent share answers "expiration": "" (tickstep/aliyunpan-api
// aliyunpan_open/file_share.go converts expiration only when non-empty;
// openapi/file_share.go shows the millisecond created_at).
func TestShareWithoutExpiry(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathCreateShare, func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = jsonDecode(r, &req)
		if _, ok := req["expiration"]; ok && req["expiration"] != "" {
			t.Errorf("permanent share sent expiration %v", req["expiration"])
		}
		writeJSON(w, 200, map[string]any{"share_id": "s1", "share_url": "https://www.alipan.com/s/s1",
			"expiration": "", "expired": false, "status": "enabled", "created_at": "2024-09-14T02:11:34.264Z"})
	})
	c, _ := f.client(t, nil)
	s, err := c.CreateShare(context.Background(), drive.ShareRequest{FileIDs: []string{"F"}})
	if err != nil {
		t.Fatalf("CreateShare of a permanent link: %v", err)
	}
	want := time.Date(2024, 9, 14, 2, 11, 34, 264e6, time.UTC)
	if s.ShareID != "s1" || !s.Expiration.IsZero() || !s.CreatedAt.Equal(want) {
		t.Fatalf("share = %+v", s)
	}
}

// The service writes and expects times as yyyy-MM-dd'T'HH:mm:ss.SSS'Z'
// (alibaba/aliyunpan-ios-sdk CreateFile.swift local_modified_at;
// tickstep/aliyunpan-api openapi/file_upload_api.go; alist
// drivers/aliyundrive_open/upload.go dateFormat).
func TestUploadSendsMillisecondTimes(t *testing.T) {
	f := newFakeAPI(t)
	var got string
	f.handle(openapi.PathCreate, func(w http.ResponseWriter, r *http.Request) {
		var req map[string]json.RawMessage
		_ = jsonDecode(r, &req)
		_ = json.Unmarshal(req["local_modified_at"], &got)
		writeJSON(w, 200, map[string]any{"file_id": "F", "file_name": "x", "rapid_upload": true,
			"created_at": "2024-01-02T03:04:05.678Z"})
	})
	f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"file_id": "F", "name": "x", "type": "file", "size": 3,
			"created_at": "2024-01-02T03:04:05.678Z", "updated_at": "2024-01-02T03:04:05.678Z"})
	})
	c, _ := f.client(t, nil)
	mtime := time.Date(2024, 1, 2, 11, 4, 5, 678123456, time.FixedZone("CST", 8*3600))
	res, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: 3, Content: bytes.NewReader([]byte("abc")),
		LocalModifiedAt: mtime})
	if err != nil {
		t.Fatal(err)
	}
	if got != "2024-01-02T03:04:05.678Z" {
		t.Fatalf("local_modified_at = %q, want 2024-01-02T03:04:05.678Z", got)
	}
	if want := time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC); !res.File.UpdatedAt.Equal(want) {
		t.Fatalf("updated_at parsed as %v", res.File.UpdatedAt)
	}
}

// AccessTokenInvalid, AccessTokenExpired and I400JD all mean "refresh and
// retry once" (alist drivers/aliyundrive_open/util.go requestReturnErrResp).
func TestRefreshCodesRetryOnce(t *testing.T) {
	for _, tc := range []struct {
		code   string
		status int
	}{{"I400JD", 400}, {"AccessTokenInvalid", 401}, {"AccessTokenExpired", 401}} {
		t.Run(tc.code, func(t *testing.T) {
			f := newFakeAPI(t)
			f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "Bearer at-0" { // the first token is refused
					writeJSON(w, tc.status, map[string]string{"code": tc.code, "message": "token"})
					return
				}
				writeJSON(w, 200, drive.File{FileID: "F", Name: "x", Type: "file"})
			})
			c, _ := f.client(t, nil)
			g, err := c.Get(context.Background(), "F")
			if err != nil || g.FileID != "F" {
				t.Fatalf("Get after %s = %+v, %v", tc.code, g, err)
			}
			if c.Refreshes() != 1 || f.hitCount(openapi.PathGet) != 2 {
				t.Fatalf("refreshes %d, gets %d; want 1 and 2", c.Refreshes(), f.hitCount(openapi.PathGet))
			}
		})
	}
}

// OSS V4 URLs carry x-oss-expires as seconds after x-oss-date
// (tickstep/aliyunpan internal/utils/utils.go GetExpiredTimeSecFromOSSUrl);
// read as an absolute time they look expired and the client renewed the
// URL before every part.
func TestOSS4URLsNotRenewedPerPart(t *testing.T) {
	f := newFakeAPI(t)
	u := newFakeUploads(f)
	u.query = "&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=" + time.Now().UTC().Format("20060102T150405Z") + "&x-oss-expires=3600"
	c, _ := f.client(t, func(o *Options) { o.PartConcurrency = 1 })
	data := randomBytes(t, 12<<10)
	if _, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: int64(len(data)),
		Content: bytes.NewReader(data), PartSize: 4 << 10}); err != nil {
		t.Fatal(err)
	}
	if n := f.hitCount(openapi.PathGetUploadURL); n != 0 {
		t.Fatalf("getUploadUrl called %d times for fresh V4 URLs", n)
	}
}

// A live photo answers streamsUrl (by format) and no url (alist
// drivers/aliyundrive_open/driver.go link; tickstep/aliyunpan-api
// openapi/file_api.go FileDownloadUrlResult.StreamsUrl).
func TestLivePhotoDownload(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGetDownloadURL, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"url": "", "method": "GET", "size": 99999,
			"expiration": time.Now().Add(time.Hour).UTC().Format(openapi.TimeLayout),
			"streamsUrl": map[string]string{"heic": f.srv.URL + "/part/heic", "mov": f.srv.URL + "/part/mov"}})
	})
	f.setParts(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "stream "+r.URL.Path)
	})
	c, _ := f.client(t, nil)
	u, err := c.DownloadURL(context.Background(), "F", 0)
	if err != nil {
		t.Fatalf("DownloadURL of a live photo: %v", err)
	}
	if u.Streams["mov"] != f.srv.URL+"/part/mov" || u.URL != f.srv.URL+"/part/heic" {
		t.Fatalf("download url = %+v", u)
	}
	rc, err := c.Download(context.Background(), "F", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil || string(b) != "stream /part/heic" {
		t.Fatalf("downloaded %q, %v", b, err)
	}
}

// Without listUploadedParts' parallelUpload grant the real service refuses
// a part whose predecessor is missing with PartNotSequential (tickstep/aliyunpan
// internal/functions/panupload/upload.go; alist drivers/aliyundrive_open/upload.go
// sends parts one by one): the parts of one file go in order, one at a time.
func TestPartsInOrderUnlessGranted(t *testing.T) {
	f := newFakeAPI(t)
	u := newFakeUploads(f)
	u.inOrder = true
	c, _ := f.client(t, func(o *Options) { o.PartConcurrency = 4 }) // the default for the real service's address
	data := randomBytes(t, 40<<10)
	if _, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: int64(len(data)),
		Content: bytes.NewReader(data), PartSize: 4 << 10}); err != nil {
		t.Fatal(err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !bytes.Equal(u.content(), data) || u.notSeq != 0 || u.maxInflight != 1 {
		t.Fatalf("PartNotSequential answers %d, parts at once %d; want 0 and 1", u.notSeq, u.maxInflight)
	}
}

// With the grant, parts go PartConcurrency at a time: parts 1 and 2 each
// wait for the other to arrive, which only a parallel sender satisfies.
func TestPartsParallelWhenGranted(t *testing.T) {
	f := newFakeAPI(t)
	u := newFakeUploads(f)
	u.parallel = true
	arrived := map[int]chan struct{}{1: make(chan struct{}), 2: make(chan struct{})}
	var once [3]sync.Once
	u.onPut = func(p int) {
		if p > 2 {
			return
		}
		once[p].Do(func() { close(arrived[p]) })
		select {
		case <-arrived[3-p]:
		case <-time.After(20 * time.Second): // a sequential sender never overlaps them
		}
	}
	c, _ := f.client(t, func(o *Options) { o.PartConcurrency = 2 })
	data := randomBytes(t, 12<<10)
	if _, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: int64(len(data)),
		Content: bytes.NewReader(data), PartSize: 4 << 10}); err != nil {
		t.Fatal(err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.maxInflight < 2 || !bytes.Equal(u.content(), data) {
		t.Fatalf("parts at once %d with parallel upload granted", u.maxInflight)
	}
}
