package web

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/web/webtest"
)

func TestNewRefusesOpenBindWithoutToken(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without Runs succeeded")
	}
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"", "", true},
		{"127.0.0.1:8377", "", true},
		{"[::1]:8377", "", true},
		{"localhost:8377", "", true},
		{"0.0.0.0:8377", "", false},
		{":8377", "", false},
		{"192.168.1.5:8377", "", false},
		{"0.0.0.0:8377", "s3cret", true},
		{"not an address", "", false},
	} {
		s, err := New(Options{Runs: webtest.New(), BindAddr: tc.addr, Token: tc.token})
		if (err == nil) != tc.ok {
			t.Errorf("New(bind %q, token %q): err = %v, want ok=%v", tc.addr, tc.token, err, tc.ok)
		}
		if s != nil {
			s.Close()
		}
	}
}

// do sends a request and returns the status and body.
func do(t *testing.T, method, url string, header http.Header, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTokenRequired(t *testing.T) {
	ts := newTestServer(t, Options{Token: "s3cret", BindAddr: "0.0.0.0:8377"})
	failed := ts.runs.Create("backup", "manual", "", nil)
	_ = ts.runs.Finish(failed.ID, nil, "boom")
	u := ts.http.URL
	bearer := http.Header{"Authorization": {"Bearer s3cret"}}
	cookie := http.Header{"Cookie": {cookieName + "=s3cret"}}
	for _, tc := range []struct {
		name, method, path string
		header             http.Header
		want               int
	}{
		{"no token", "GET", "/api/runs", nil, 401},
		{"wrong bearer", "GET", "/api/runs", http.Header{"Authorization": {"Bearer nope"}}, 401},
		{"not bearer", "GET", "/api/runs", http.Header{"Authorization": {"Basic czNjcmV0"}}, 401},
		{"bearer", "GET", "/api/runs", bearer, 200},
		{"cookie", "GET", "/api/runs", cookie, 200},
		{"wrong cookie", "GET", "/api/plugins", http.Header{"Cookie": {cookieName + "=x"}}, 401},
		{"page without token shows login", "GET", "/", nil, 401},
		{"page with cookie", "GET", "/", cookie, 200},
		{"health is open", "GET", "/api/health", nil, 200},
		{"assets are open", "GET", "/static/app.css", nil, 200},
		{"websocket without token", "GET", "/ws", nil, 401},
		{"retry without token", "POST", "/api/runs/" + failed.ID + "/retry", nil, 401},
		{"retry, cookie without csrf", "POST", "/api/runs/" + failed.ID + "/retry", cookie, 403},
		{"retry with bearer", "POST", "/api/runs/" + failed.ID + "/retry", bearer, 201},
		{"enable with bearer, foreign origin", "POST", "/api/plugins/cleanup/enable",
			http.Header{"Authorization": {"Bearer s3cret"}, "Origin": {"https://evil.example"}}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, body := do(t, tc.method, u+tc.path, tc.header, ""); got != tc.want {
				t.Errorf("%s %s: status %d, want %d (%s)", tc.method, tc.path, got, tc.want, body)
			}
		})
	}
}

func TestLoginSetsCookie(t *testing.T) {
	ts := newTestServer(t, Options{Token: "s3cret"})
	req, _ := http.NewRequest("GET", ts.http.URL+"/?token=s3cret", nil)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := resp.Cookies()
	if len(c) != 1 || c[0].Name != cookieName || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie = %+v, want one HttpOnly SameSite=Strict %s", c, cookieName)
	}
	if got, _ := do(t, "GET", ts.http.URL+"/?token=wrong", nil, ""); got != 401 {
		t.Errorf("wrong token login: %d, want 401", got)
	}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([0-9a-f]*)">`)

// Without a token (loopback), the console is read-only: the page gives an
// anonymous visitor no CSRF token, every state change is refused with a
// message naming the config key, and only localhost names are answered.
func TestLoopbackWithoutTokenIsReadOnly(t *testing.T) {
	ts := newTestServer(t, Options{})
	failed := ts.runs.Create("backup", "manual", "", nil)
	_ = ts.runs.Finish(failed.ID, nil, "boom")
	code, page := do(t, "GET", ts.http.URL+"/", nil, "")
	m := csrfMeta.FindStringSubmatch(page)
	if code != 200 || m == nil {
		t.Fatalf("index: %d, csrf meta found: %v", code, m != nil)
	}
	if m[1] != "" {
		t.Fatalf("an anonymous visitor got the CSRF token %q", m[1])
	}
	if !strings.Contains(page, `id="readonly"`) {
		t.Errorf("the page does not say it is read-only")
	}
	for _, tc := range []struct {
		name, path string
		header     http.Header
	}{
		{"enable, no csrf", "/api/plugins/cleanup/enable", nil},
		{"enable, the server's csrf", "/api/plugins/cleanup/enable", http.Header{csrfHeader: {ts.csrf}}},
		{"enable, same origin", "/api/plugins/cleanup/enable", http.Header{csrfHeader: {ts.csrf}, "Origin": {ts.http.URL}}},
		{"disable", "/api/plugins/backup/disable", nil},
		{"run now", "/api/plugins/backup/run", nil},
		{"retry", "/api/runs/" + failed.ID + "/retry", nil},
		{"cancel", "/api/runs/" + failed.ID + "/cancel", nil},
		{"a bearer token when none is set", "/api/plugins/cleanup/enable", http.Header{"Authorization": {"Bearer x"}}},
	} {
		got, body := do(t, "POST", ts.http.URL+tc.path, tc.header, "")
		if got != 403 || !strings.Contains(body, "console.token") {
			t.Errorf("%s: status %d (%s), want 403 naming console.token", tc.name, got, body)
		}
	}
	// Any other state-changing method is refused the same way, with or
	// without the server's CSRF token.
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		for _, h := range []http.Header{nil, {csrfHeader: {ts.csrf}, "Origin": {ts.http.URL}}} {
			got, body := do(t, m, ts.http.URL+"/api/plugins/cleanup/enable", h, "")
			if got != 403 || !strings.Contains(body, "console.token") {
				t.Errorf("%s (headers %v): status %d (%s), want 403 naming console.token", m, h, got, body)
			}
		}
	}
	if got, _ := do(t, "GET", ts.http.URL+"/api/runs", nil, ""); got != 200 {
		t.Errorf("read: %d, want 200", got)
	}
	plugins, _ := ts.runs.Plugins(t.Context())
	for _, p := range plugins {
		if want := p.Name != "cleanup"; p.Enabled != want {
			t.Errorf("plugin %s enabled = %v after refused requests, want %v", p.Name, p.Enabled, want)
		}
	}
	if runs, _ := ts.runs.ListRuns(t.Context(), runner.RunFilter{}); len(runs) != 1 {
		t.Errorf("%d runs after refused requests, want 1", len(runs))
	}
	// DNS rebinding: a foreign Host name is refused.
	req, _ := http.NewRequest("GET", ts.http.URL+"/api/runs", nil)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %d, want 421", resp.StatusCode)
	}
}

// With a token on loopback, a signed-in page's POST needs its CSRF token,
// and a foreign Origin is refused.
func TestLoopbackTokenCSRF(t *testing.T) {
	ts := newTestServer(t, Options{Token: "s3cret"})
	cookie := http.Header{"Cookie": {cookieName + "=s3cret"}}
	if _, page := do(t, "GET", ts.http.URL+"/", nil, ""); csrfMeta.MatchString(page) {
		t.Fatal("the login page carries a CSRF token")
	}
	code, page := do(t, "GET", ts.http.URL+"/", cookie, "")
	m := csrfMeta.FindStringSubmatch(page)
	if code != 200 || m == nil || m[1] == "" {
		t.Fatalf("signed-in index: %d, csrf meta %v", code, m)
	}
	if strings.Contains(page, `id="readonly"`) {
		t.Errorf("a console with a token says it is read-only")
	}
	with := func(h http.Header) http.Header {
		out := http.Header{"Cookie": cookie["Cookie"]}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	u := ts.http.URL + "/api/plugins/cleanup/enable"
	for _, tc := range []struct {
		name   string
		header http.Header
		want   int
	}{
		{"no csrf", with(nil), 403},
		{"wrong csrf", with(http.Header{csrfHeader: {"00"}}), 403},
		{"csrf, foreign origin", with(http.Header{csrfHeader: {m[1]}, "Origin": {"http://evil.example"}}), 403},
		{"csrf", with(http.Header{csrfHeader: {m[1]}}), 200},
		{"csrf, same origin", with(http.Header{csrfHeader: {m[1]}, "Origin": {ts.http.URL}}), 200},
		{"csrf without the cookie", http.Header{csrfHeader: {m[1]}}, 401},
	} {
		if got, body := do(t, "POST", u, tc.header, ""); got != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, got, tc.want, body)
		}
	}
}

// A websocket handshake from another origin is refused with 403.
func TestWebsocketCrossOrigin(t *testing.T) {
	ts := newTestServer(t, Options{})
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"http://evil.example", 403},
		{"null", 403},
		{ts.http.URL, 101},
	} {
		conn, resp, err := websocket.DefaultDialer.Dial(ts.wsURL(), http.Header{"Origin": {tc.origin}})
		got := 0
		if resp != nil {
			got = resp.StatusCode
		}
		if conn != nil {
			conn.Close()
		}
		if got != tc.want {
			t.Errorf("origin %q: status %d (err %v), want %d", tc.origin, got, err, tc.want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t, Options{})
	for _, p := range []string{"/", "/api/runs", "/static/app.js"} {
		resp, err := http.Get(ts.http.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
	}
}
