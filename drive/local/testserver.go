package local

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
)

// TB is the part of testing.TB that NewTestServer uses (so that this
// package does not link the testing package into binaries).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	TempDir() string
	Cleanup(func())
}

// TestServer is a local drive served over loopback HTTP for tests, with a
// registered OAuth client and a first refresh token.
type TestServer struct {
	Drive        *Drive
	Server       *Server
	URL          string // base URL, e.g. http://127.0.0.1:41234
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// NewTestServer opens a drive in t.TempDir(), serves it with httptest and
// registers a client. Everything is closed when the test ends.
func NewTestServer(t TB, opts ServerOptions) *TestServer {
	t.Helper()
	d, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatalf("open local drive: %v", err)
	}
	srv := NewServer(d, opts)
	hs := httptest.NewServer(srv)
	d.SetPublicURL(hs.URL)
	t.Cleanup(func() {
		hs.Close()
		d.Close()
	})
	id, secret, refresh, err := d.NewClientCredentials(context.Background())
	if err != nil {
		t.Fatalf("register test client: %v", err)
	}
	return &TestServer{Drive: d, Server: srv, URL: hs.URL, ClientID: id, ClientSecret: secret, RefreshToken: refresh}
}

var consentTokenRE = regexp.MustCompile(`name="` + consentField + `" value="([0-9a-f]+)"`)

// AnswerConsent plays the user on the consent page that authorizeURL
// (GET /oauth/authorize?...) shows: it loads the page, then presses Approve
// (approve true) or Deny. hc's redirect policy decides whether the
// "browser" follows the way back to the redirect URI. It returns the
// answer to the button's POST (or the page's error answer); the caller
// closes its body.
func AnswerConsent(ctx context.Context, hc *http.Client, authorizeURL string, approve bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("consent: load the page: %w", err)
	}
	page, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("consent: read the page: %w", err)
	}
	m := consentTokenRE.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		resp.Body = io.NopCloser(bytes.NewReader(page))
		return resp, nil
	}
	decision := "deny"
	if approve {
		decision = "approve"
	}
	form := url.Values{consentField: {string(m[1])}, decisionField: {decision}}
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	u.RawQuery = ""
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", u.Scheme+"://"+u.Host)
	return hc.Do(post)
}
