package aliyun

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wasmdrive/wasmdrive/drive"
)

func TestDecodeError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		code       string
		kind       error
		retryable  bool
		retryAfter time.Duration
	}{
		{"json", 400, nil, `{"code":"NotFound.File","message":"gone"}`, "NotFound.File", drive.ErrNotFound, false, 0},
		{"429 with wait", 429, map[string]string{"x-retry-after": "1500"}, `{"code":"TooManyRequests"}`, "TooManyRequests", drive.ErrRateLimited, true, 1500 * time.Millisecond},
		{"502 plain", 502, nil, "Bad Gateway", "BadGateway", drive.ErrUnavailable, true, 0},
		{"oss xml", 403, nil, `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>`, "AccessDenied", drive.ErrPermission, true, 0},
		{"spring 404", 404, nil, `{"timestamp":"x","status":404,"error":"Not Found","path":"/a"}`, "NotFound", drive.ErrNotFound, false, 0},
		{"empty 503", 503, nil, "", "ServiceUnavailable", drive.ErrUnavailable, true, 0},
		{"bad retry header", 429, map[string]string{"x-retry-after": "soon"}, "", "TooManyRequests", drive.ErrRateLimited, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			e := decodeError(tt.status, h, []byte(tt.body), "op")
			if e.Code != tt.code || !errors.Is(e, tt.kind) || e.Retryable() != tt.retryable || e.RetryAfter != tt.retryAfter {
				t.Fatalf("got %+v (retryable %v)", e, e.Retryable())
			}
		})
	}
	if !isUnknownRoute(decodeError(404, nil, []byte(`{"timestamp":"x","status":404,"error":"Not Found","path":"/a"}`), "")) {
		t.Fatal("spring 404 is an unknown route")
	}
	if isUnknownRoute(decodeError(404, nil, []byte(`{"code":"NotFound.FileId"}`), "")) {
		t.Fatal("NotFound.FileId is not an unknown route")
	}
}

func FuzzDecodeError(f *testing.F) {
	f.Add(400, "", `{"code":"NotFound.File","message":"x"}`)
	f.Add(429, "50", `{"code":"TooManyRequests"}`)
	f.Add(502, "", "Bad Gateway")
	f.Add(403, "", `<Error><Code>AccessDenied</Code></Error>`)
	f.Add(404, "-1", `{"timestamp":"t","status":404,"error":"Not Found","path":"/p"}`)
	f.Fuzz(func(t *testing.T, status int, retry, body string) {
		h := http.Header{}
		h.Set("x-retry-after", retry)
		e := decodeError(status, h, []byte(body), "op")
		if e == nil || e.Code == "" {
			t.Fatalf("no code for %d %q", status, body)
		}
		if e.RetryAfter < 0 || e.RetryAfter > maxRetryAfter {
			t.Fatalf("RetryAfter %v out of range", e.RetryAfter)
		}
		if len(e.Message) > maxErrorMessage+4 || len(e.Code) > 132 {
			t.Fatalf("unbounded field: %d %d", len(e.Message), len(e.Code))
		}
		for _, s := range []string{e.Message, e.Code, e.RequestID} {
			if strings.ContainsAny(s, "\n\r") || !utf8.ValidString(s) {
				t.Fatalf("unsafe field %q", s)
			}
		}
		_ = e.Error()
	})
}
