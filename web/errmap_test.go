package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// TestServiceErrorStatuses: the console maps run service errors by their
// class (errors.Is on the contract's sentinels), not by their text, so the
// real service (whose unknown plugin says "unknown plugin") and the
// in-memory fake answer alike, and a message that merely contains "not
// found" is not a 404.
func TestServiceErrorStatuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		err    error
		want   int
	}{
		{"unknown run", "GET", fmt.Errorf("queue: run %q: %w (see wasmdrive runs list)", "r1", contract.ErrRunNotFound), http.StatusNotFound},
		{"unknown plugin (real service)", "POST", fmt.Errorf("%w %q (loaded: [relay]; see wasmdrive plugin list)", contract.ErrUnknownPlugin, "nope"), http.StatusNotFound},
		{"drive file", "GET", fmt.Errorf("list: %w", drive.ErrNotFound), http.StatusNotFound},
		{"text only", "GET", errors.New("nats: stream not found in this account"), http.StatusInternalServerError},
		{"unknown entry", "POST", fmt.Errorf("%w %q of plugin relay", contract.ErrUnknownEntry, "nosuch"), http.StatusUnprocessableEntity},
		{"timeout", "GET", fmt.Errorf("list: %w", context.DeadlineExceeded), http.StatusGatewayTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			serviceError(rec, httptest.NewRequest(tc.method, "/api/x", nil), tc.err)
			if rec.Code != tc.want {
				t.Fatalf("serviceError(%v) = %d, want %d", tc.err, rec.Code, tc.want)
			}
		})
	}
}
