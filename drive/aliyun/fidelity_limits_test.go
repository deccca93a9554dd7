package aliyun

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// The client keeps alist's per-endpoint limits (drivers/aliyundrive_open/driver.go
// Init: list 4/s, getDownloadUrl 1/s, burst 1) on top of the account-wide
// rate; the waits are taken on the client's clock, so a frozen clock shows
// them exactly.
func TestEndpointRateLimits(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathList, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, openapi.ListResponse{Items: []*drive.File{}})
	})
	f.handle(openapi.PathGetDownloadURL, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"url": f.srv.URL + "/part/x", "expiration": "2099-01-01T00:00:00.000Z"})
	})
	t0 := time.Now()
	c, waits := f.client(t, func(o *Options) {
		o.RateLimit, o.Burst = 1000, 1000 // the account-wide limit stays out of the way
		o.Now = func() time.Time { return t0 }
	})
	ctx := context.Background()
	for range 3 {
		if _, err := c.List(ctx, drive.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := c.DownloadURL(ctx, "F", 0); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}
	if !equalDurations(*waits, want) {
		t.Fatalf("limiter waits = %v, want %v", *waits, want)
	}
}

// A download GET beyond the account's concurrency answers 403
// RequestDeniedByCallback "…ExceedMaxConcurrency" (tickstep/aliyunpan
// internal/file/downloader/worker.go quotes the body). The link is still
// good: the client waits and retries it instead of asking getDownloadUrl
// (limited to 1/s) for a new one.
func TestExceedMaxConcurrencyWaits(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGetDownloadURL, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"url": f.srv.URL + "/part/dl", "size": 5,
			"expiration": time.Now().Add(time.Hour).UTC().Format(openapi.TimeLayout)})
	})
	var gets atomic.Int32
	f.setParts(func(w http.ResponseWriter, r *http.Request) {
		if gets.Add(1) <= 2 {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write(openapi.EncodeOSSError("RequestDeniedByCallback", "Callback deny this request reason: ExceedMaxConcurrency", "66B5"))
			return
		}
		_, _ = io.WriteString(w, "hello")
	})
	c, waits := f.client(t, func(o *Options) { o.MaxAttempts = 2 })
	rc, err := c.Download(context.Background(), "F", 0, -1)
	if err != nil {
		t.Fatalf("Download past ExceedMaxConcurrency: %v", err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "hello" || f.hitCount(openapi.PathGetDownloadURL) != 1 {
		t.Fatalf("read %q with %d getDownloadUrl calls; want hello and 1", b, f.hitCount(openapi.PathGetDownloadURL))
	}
	for _, w := range *waits {
		if w < time.Second {
			t.Fatalf("waits %v: a concurrency refusal was retried too soon", *waits)
		}
	}
}

// Nothing depends on the base URL: a server that advertises no extensions
// (the real service answers the capabilities path with its 404 route, as
// every unknown path: tickstep-api openapi/ali_api_error.go) gets list
// pages of at most 100 and no "overwrite" mode (iOS AliyunpanFile.swift
// lists only auto_rename/refuse/ignore), whatever its address; one that
// advertises them gets both.
func TestExtensionsAskedNotGuessed(t *testing.T) {
	for _, advertise := range []bool{false, true} {
		f := newFakeAPI(t)
		if advertise {
			f.handle(openapi.PathCapabilities, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, openapi.Capabilities{Extensions: []string{openapi.ExtOverwrite, openapi.ExtLargePages}})
			})
		}
		var limit int
		var mode drive.CheckNameMode
		f.handle(openapi.PathList, func(w http.ResponseWriter, r *http.Request) {
			var req openapi.ListRequest
			_ = jsonDecode(r, &req)
			limit = req.Limit
			writeJSON(w, 200, openapi.ListResponse{Items: []*drive.File{}})
		})
		f.handle(openapi.PathCreate, func(w http.ResponseWriter, r *http.Request) {
			var req openapi.CreateRequest
			_ = jsonDecode(r, &req)
			mode = req.CheckNameMode
			writeJSON(w, 200, openapi.CreateResponse{FileID: "F", FileName: req.Name, RapidUpload: true})
		})
		f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, drive.File{FileID: "F", Name: "x", Type: "file", Size: 3})
		})
		c, _ := f.client(t, nil)
		ctx := context.Background()
		if _, err := c.List(ctx, drive.ListOptions{Limit: 500}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Upload(ctx, drive.UploadRequest{Name: "x", Size: 3, Content: strings.NewReader("abc"),
			CheckNameMode: drive.NameOverwrite}); err != nil {
			t.Fatal(err)
		}
		wantLimit, wantMode := 100, drive.NameRefuse
		if advertise {
			wantLimit, wantMode = 500, drive.NameOverwrite
		}
		if limit != wantLimit || mode != wantMode {
			t.Errorf("advertised %v: list limit %d, create mode %q; want %d, %q", advertise, limit, mode, wantLimit, wantMode)
		}
		if n := f.hitCount(openapi.PathCapabilities); n != 1 {
			t.Errorf("capabilities asked %d times, want once", n)
		}
	}
}

// drive/local advertises what it adds (large pages only when enabled:
// the real service refuses limit > 100).
func TestLocalServerAdvertisesExtensions(t *testing.T) {
	c, _ := newLocalClient(t, local.ServerOptions{LargePages: true}, nil)
	for _, e := range []string{openapi.ExtOverwrite, openapi.ExtLargePages, openapi.ExtBatch} {
		if !c.hasExtension(context.Background(), e) {
			t.Errorf("drive/local does not advertise %s", e)
		}
	}
}
