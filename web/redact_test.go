package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAPIRunsHideSecrets: the console API answers with a run's input
// masked where its keys name a password or token (issue 15, Secrets).
func TestAPIRunsHideSecrets(t *testing.T) {
	ts := newTestServer(t, Options{Token: "tok"})
	const pw = "sharePw-9x7-never-printed"
	a := ts.runs.Create("backup", "manual", "", json.RawMessage(`{"share_password":"`+pw+`","path":"/a"}`))
	for _, path := range []string{"/api/runs", "/api/runs/" + a.ID} {
		code, body := do(t, "GET", ts.http.URL+path, http.Header{"Authorization": {"Bearer tok"}}, "")
		if code != 200 || strings.Contains(body, pw) || !strings.Contains(body, "[redacted]") || !strings.Contains(body, `/a`) {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
}
