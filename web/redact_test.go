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

// TestHubRunsHideSecrets: the console's runs topic (snapshot and live
// changes) sends a run's input with its secrets masked (issue 15).
func TestHubRunsHideSecrets(t *testing.T) {
	ts := newTestServer(t, Options{})
	const pw = "sharePw-9x7-never-printed"
	in := json.RawMessage(`{"share_password":"` + pw + `"}`)
	ts.runs.Create("backup", "manual", "", in)
	c := ts.dial(t, nil)
	c.send(map[string]any{"op": "sub", "topic": "runs"})
	snap := c.waitFor("runs")
	if len(snap.Runs) != 1 || strings.Contains(string(snap.Runs[0].Input), pw) {
		t.Fatalf("snapshot input: %+v", snap.Runs)
	}
	ts.runs.Create("backup", "manual", "", in)
	if f := c.waitFor("run"); strings.Contains(string(f.Run), pw) || !strings.Contains(string(f.Run), "[redacted]") {
		t.Fatalf("live change: %s", f.Run)
	}
}
