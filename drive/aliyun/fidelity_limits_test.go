package aliyun

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
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
