package aliyun

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

func TestRetryAfterHonouredExactly(t *testing.T) {
	f := newFakeAPI(t)
	var n atomic.Int32
	f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("x-retry-after", "50")
			w.Header().Set("x-ratelimit-remaining", "0")
			writeJSON(w, 429, map[string]string{"code": "TooManyRequests", "message": openapi.MessageTooManyRequests})
			return
		}
		writeJSON(w, 200, drive.File{FileID: "f1", Name: "a.txt", Type: "file"})
	})
	c, waits := f.client(t, nil)
	got, err := c.Get(context.Background(), "f1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "a.txt" {
		t.Fatalf("name = %q", got.Name)
	}
	if want := []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}; !equalDurations(*waits, want) {
		t.Fatalf("waits = %v, want %v", *waits, want)
	}
	rl := c.RateLimit()
	if rl.Throttled != 2 || rl.Header["x-ratelimit-remaining"] != "0" {
		t.Fatalf("rate limit info = %+v", rl)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		fail      func(w http.ResponseWriter, r *http.Request)
		call      func(c *Client) error
		wantHits  int
		wantErr   error // nil: success
		retryable bool
	}{
		{"502 plain text on a read is retried", openapi.PathGet, plain502,
			func(c *Client) error { _, err := c.Get(context.Background(), "x"); return err }, 2, nil, false},
		{"502 on a copy is returned, retryable", openapi.PathCopy, plain502,
			func(c *Client) error {
				_, err := c.Copy(context.Background(), "x", "root", drive.CopyOptions{})
				return err
			},
			1, drive.ErrUnavailable, true},
		{"reset mid-body on a read is retried", openapi.PathGet, resetMidBody,
			func(c *Client) error { _, err := c.Get(context.Background(), "x"); return err }, 2, nil, false},
		{"reset mid-body on a move is returned, retryable", openapi.PathMove, resetMidBody,
			func(c *Client) error {
				_, err := c.Move(context.Background(), "x", "root", drive.MoveOptions{})
				return err
			},
			1, drive.ErrUnavailable, true},
		{"429 on a copy is retried", openapi.PathCopy, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-retry-after", "10")
			writeJSON(w, 429, map[string]string{"code": "TooManyRequests"})
		}, func(c *Client) error {
			_, err := c.Copy(context.Background(), "x", "root", drive.CopyOptions{})
			return err
		}, 2, nil, false},
		{"404 NotFound.File is final", openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 404, map[string]string{"code": "NotFound.File", "message": "no such file"})
		}, func(c *Client) error { _, err := c.Get(context.Background(), "x"); return err }, 1, drive.ErrNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			var n atomic.Int32
			f.handle(tt.path, func(w http.ResponseWriter, r *http.Request) {
				drain(r)
				if n.Add(1) == 1 {
					tt.fail(w, r)
					return
				}
				writeJSON(w, 200, map[string]string{"file_id": "x", "name": "x"})
			})
			if tt.path != openapi.PathGet { // Copy reads the source and the copy first
				f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
					writeJSON(w, 200, drive.File{FileID: "x", Name: "x", Type: "file", ParentFileID: "p"})
				})
			}
			c, _ := f.client(t, nil)
			err := tt.call(c)
			if got := f.hitCount(tt.path); got != tt.wantHits {
				t.Errorf("hits = %d, want %d", got, tt.wantHits)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			case tt.wantErr != nil && drive.IsRetryable(err) != tt.retryable:
				t.Fatalf("IsRetryable(%v) = %v", err, !tt.retryable)
			}
		})
	}
}

func plain502(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(502)
	_, _ = w.Write([]byte("Bad Gateway"))
}

// resetMidBody promises a long body, sends part of it and closes the connection.
func resetMidBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(200)
	_, _ = w.Write([]byte(`{"file_id":"x",`))
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) { plain502(w, r) })
	c, waits := f.client(t, func(o *Options) { o.MaxAttempts = 3 })
	_, err := c.Get(context.Background(), "x")
	if !errors.Is(err, drive.ErrUnavailable) || !drive.IsRetryable(err) {
		t.Fatalf("err = %v", err)
	}
	if f.hitCount(openapi.PathGet) != 3 || len(*waits) != 2 {
		t.Fatalf("hits %d waits %v", f.hitCount(openapi.PathGet), *waits)
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) { plain502(w, r) })
	c, _ := f.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(ctx context.Context, d time.Duration) error { cancel(); return sleepCtx(ctx, d) }
	_, err := c.Get(ctx, "x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n := f.hitCount(openapi.PathGet); n != 1 {
		t.Fatalf("hits = %d after cancel", n)
	}
}

func TestUnknownRouteIsUnsupported(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := f.client(t, nil)
	if _, err := c.ListTrash(context.Background(), drive.ListOptions{}); !errors.Is(err, drive.ErrUnsupported) {
		t.Fatalf("ListTrash err = %v", err)
	}
	if err := c.Restore(context.Background(), "x"); !errors.Is(err, drive.ErrUnsupported) {
		t.Fatalf("Restore err = %v", err)
	}
	if _, err := c.ListShares(context.Background(), drive.ListOptions{}); !errors.Is(err, drive.ErrUnsupported) {
		t.Fatalf("ListShares err = %v", err)
	}
}

func TestBackoffBounds(t *testing.T) {
	for n := 1; n < 12; n++ {
		d := backoff(n, 100*time.Millisecond, 2*time.Second)
		full := min(100*time.Millisecond<<(n-1), 2*time.Second)
		if d < full/2 || d > full {
			t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, full/2, full)
		}
	}
}

func TestRequestRefusesForeignHosts(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := f.client(t, nil)
	for _, p := range []string{"https://evil.example/x", "//evil.example/x", "adrive/v1.0/x", "/a?b"} {
		if _, err := c.Request(context.Background(), p, nil); !errors.Is(err, drive.ErrInvalid) {
			t.Errorf("Request(%q) err = %v, want ErrInvalid", p, err)
		}
	}
	f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = jsonDecode(r, &body)
		writeJSON(w, 200, body) // echo
	})
	out, err := c.Request(context.Background(), openapi.PathGet, []byte(`{"file_id":"f9"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"drive_id":"d1","file_id":"f9"}` {
		t.Fatalf("echo = %s", out)
	}
}
