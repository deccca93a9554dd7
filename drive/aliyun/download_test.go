package aliyun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

func TestDownloadResumesCutBody(t *testing.T) {
	f := newFakeAPI(t)
	data := randomBytes(t, 100<<10)
	var (
		mu     sync.Mutex
		ranges []string
		urls   int
	)
	f.handle(openapi.PathGetDownloadURL, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		urls++
		n := urls
		mu.Unlock()
		writeJSON(w, 200, drive.DownloadURL{URL: fmt.Sprintf("%s/part/dl?gen=%d", f.srv.URL, n), Size: int64(len(data)),
			Expiration: time.Now().Add(time.Hour)})
	})
	f.setParts(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		first := len(ranges) == 1
		expired := len(ranges) == 2
		mu.Unlock()
		if expired { // the second GET finds the link expired
			w.WriteHeader(403)
			_, _ = w.Write(openapi.EncodeOSSError("AccessDenied", "Request has expired.", ""))
			return
		}
		var start, end int64 = 0, int64(len(data)) - 1
		if rg := r.Header.Get("Range"); rg != "" {
			fmt.Sscanf(rg, "bytes=%d-%d", &start, &end)
		}
		body := data[start : end+1]
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(http.StatusPartialContent)
		if first { // cut the connection after 10 KiB
			_, _ = w.Write(body[:10<<10])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		_, _ = w.Write(body)
	})
	c, _ := f.client(t, nil)
	rc, err := c.Download(context.Background(), "F", 100, 50<<10)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data[100:100+50<<10]) {
		t.Fatalf("got %d bytes, content differs", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"bytes=100-51299", "bytes=10340-51299", "bytes=10340-51299"}
	if strings.Join(ranges, ",") != strings.Join(want, ",") || urls != 2 {
		t.Fatalf("ranges %v (want %v), download URLs fetched %d (want 2)", ranges, want, urls)
	}
}
