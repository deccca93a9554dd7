package openapi

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

func TestDecodeError(t *testing.T) {
	h := http.Header{}
	h.Set(HeaderRetryAfter, "1500")
	tests := []struct {
		name   string
		status int
		h      http.Header
		body   string
		code   string
		kind   error
	}{
		{"json", 400, nil, `{"code":"PreHashMatched","message":"m","requestId":"r"}`, drive.CodePreHashMatched, drive.ErrInvalid},
		{"429", 429, h, `{"code":"TooManyRequests","message":"x"}`, drive.CodeTooManyRequests, drive.ErrRateLimited},
		{"oss", 403, nil, string(EncodeOSSError("AccessDenied", "Request has expired.", "")), "AccessDenied", drive.ErrPermission},
		{"spring", 404, nil, `{"timestamp":"t","status":404,"error":"Not Found","path":"/x"}`, "NotFound", drive.ErrNotFound},
		{"plain 502", 502, nil, "Bad Gateway", drive.CodeBadGateway, drive.ErrUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := DecodeError(tc.status, tc.h, []byte(tc.body))
			if e.Code != tc.code || !errors.Is(e, tc.kind) {
				t.Fatalf("DecodeError = %+v, want code %s kind %v", e, tc.code, tc.kind)
			}
		})
	}
	if e := DecodeError(429, h, nil); e.RetryAfter != 1500*time.Millisecond || !e.Retryable() {
		t.Fatalf("retry-after not read: %+v", e)
	}
}

func FuzzDecodeError(f *testing.F) {
	f.Add(400, []byte(`{"code":"X","message":"y"}`), "10")
	f.Add(403, EncodeOSSError("AccessDenied", "Request has expired.", "id"), "")
	f.Add(502, []byte("Bad Gateway"), "-1")
	f.Fuzz(func(t *testing.T, status int, body []byte, retry string) {
		h := http.Header{}
		h.Set(HeaderRetryAfter, retry)
		e := DecodeError(status, h, body)
		if e == nil || e.Code == "" {
			t.Fatalf("DecodeError(%d, %q) gave no code", status, body)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative retry-after %v", e.RetryAfter)
		}
	})
}
