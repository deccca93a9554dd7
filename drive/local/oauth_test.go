package local

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorizeQuery is what aliyun.Login sends to /oauth/authorize.
func authorizeQuery(clientID, redirect, verifier string) url.Values {
	sum := sha256.Sum256([]byte(verifier))
	return url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "state": {"s1"}, "scope": {"file:all:read"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "response_type": {"code"}}
}

// approvedCode approves q on the consent page and returns the code the
// browser is sent back with.
func approvedCode(t *testing.T, ts *TestServer, q url.Values) string {
	t.Helper()
	resp, err := AnswerConsent(t.Context(), noRedirect, ts.URL+openapi.PathAuthorize+"?"+q.Encode(), true)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if resp.StatusCode != http.StatusSeeOther || code == "" || loc.Query().Get("state") != "s1" ||
		!strings.HasPrefix(loc.String(), q.Get("redirect_uri")) {
		t.Fatalf("approve: HTTP %d Location %q", resp.StatusCode, loc)
	}
	return code
}

// get fetches u without following redirects.
func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Regression (issue 11, finding 9): /oauth/authorize issued a code with no
// user step. Now it shows a consent page; no code leaves the drive until
// the user approves it with the page's one-time form token.
func TestAuthorizeNeedsTheUsersApproval(t *testing.T) {
	ts := NewTestServer(t, ServerOptions{})
	q := authorizeQuery(ts.ClientID, "http://127.0.0.1:4567/oauth/callback", "verifier-0123456789-0123456789-0123456789")
	authURL := ts.URL + openapi.PathAuthorize + "?" + q.Encode()
	resp, page := get(t, authURL)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || strings.Contains(page, "code=") {
		t.Fatalf("authorize without the user: HTTP %d Location %q: issued a code", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(page, `id="approve"`) || !strings.Contains(page, ts.ClientID) || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("the consent page lacks its approve button, the client id or X-Frame-Options: %s", page)
	}
	post := func(form url.Values) (*http.Response, string) {
		resp, err := noRedirect.PostForm(ts.URL+openapi.PathAuthorize, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	token := consentTokenRE.FindStringSubmatch(page)[1]
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"no form token", url.Values{decisionField: {"approve"}}},
		{"a made-up token", url.Values{decisionField: {"approve"}, consentField: {strings.Repeat("ab", 24)}}},
		{"no decision (spends the token)", url.Values{consentField: {token}}},
		{"the spent token", url.Values{decisionField: {"approve"}, consentField: {token}}},
	} {
		if resp, body := post(tc.form); resp.StatusCode/100 == 3 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: HTTP %d Location %q (%s): want a refusal without redirect", tc.name, resp.StatusCode, resp.Header.Get("Location"), body)
		}
	}
	// A page from another site cannot press the button for the user.
	_, page = get(t, authURL)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+openapi.PathAuthorize, strings.NewReader(url.Values{
		decisionField: {"approve"}, consentField: {consentTokenRE.FindStringSubmatch(page)[1]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("approve from a foreign Origin: %v %v, want 403", resp, err)
	} else {
		resp.Body.Close()
	}
	// Deny: back to the app with error=access_denied and no code.
	resp, err := AnswerConsent(t.Context(), noRedirect, authURL, false)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Has("code") {
		t.Errorf("deny: HTTP %d Location %q", resp.StatusCode, loc)
	}
	if code := approvedCode(t, ts, q); code == "" {
		t.Fatal("approve issued no code")
	}
}

// Regression (issue 11, finding 9): /oauth/authorize redirected to any
// redirect_uri. Now only the app's registered URIs are used; any other is
// refused with a JSON error and no redirect.
func TestAuthorizeRefusesUnregisteredRedirect(t *testing.T) {
	ts := NewTestServer(t, ServerOptions{})
	const verifier = "verifier-0123456789-0123456789-0123456789"
	for _, tc := range []struct {
		redirect string
		ok       bool
	}{
		{"http://evil.example/oauth/callback", false},
		{"https://127.0.0.1:4567/oauth/callback", false},
		{"http://127.0.0.1.evil.example:4567/oauth/callback", false},
		{"http://localhost:4567/oauth/callback", false},
		{"http://127.0.0.1:4567/elsewhere", false},
		{"http://127.0.0.1:4567/oauth/callback?x=1", false},
		{"http://user@127.0.0.1:4567/oauth/callback", false},
		{"http://127.0.0.1/oauth/callback#frag", false},
		{"javascript:alert(1)", false},
		{"", false},
		{"http://127.0.0.1:4567/oauth/callback", true},
		{"http://[::1]:4567/oauth/callback", true},
		{"http://127.0.0.1/oauth/callback", true},
	} {
		resp, body := get(t, ts.URL+openapi.PathAuthorize+"?"+authorizeQuery(ts.ClientID, tc.redirect, verifier).Encode())
		if tc.ok {
			if resp.StatusCode != http.StatusOK {
				t.Errorf("registered %q: HTTP %d %s", tc.redirect, resp.StatusCode, body)
			}
			continue
		}
		var eb openapi.ErrorBody
		_ = json.Unmarshal([]byte(body), &eb)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || eb.Code != codeRedirectURI || eb.RequestID == "" {
			t.Errorf("redirect_uri %q: HTTP %d Location %q %+v: want 400 %s without redirect", tc.redirect, resp.StatusCode, resp.Header.Get("Location"), eb, codeRedirectURI)
		}
	}
	// An app's own list replaces the defaults and is matched exactly.
	ctx := context.Background()
	if err := ts.Drive.SetRedirectURIs(ctx, ts.ClientID, []string{"https://app.example/cb"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := ts.Drive.RedirectURIs(ctx, ts.ClientID); len(got) != 1 || got[0] != "https://app.example/cb" {
		t.Fatalf("RedirectURIs = %q", got)
	}
	for redirect, want := range map[string]int{"https://app.example/cb": 200, "https://app.example/cb2": 400, "http://127.0.0.1:4567/oauth/callback": 400} {
		if resp, body := get(t, ts.URL+openapi.PathAuthorize+"?"+authorizeQuery(ts.ClientID, redirect, verifier).Encode()); resp.StatusCode != want {
			t.Errorf("after SetRedirectURIs, %q: HTTP %d, want %d (%s)", redirect, resp.StatusCode, want, body)
		}
	}
	if err := ts.Drive.SetRedirectURIs(ctx, ts.ClientID, []string{"ftp://x/cb"}); err == nil {
		t.Error("SetRedirectURIs took an ftp URI")
	}
	if resp, _ := get(t, ts.URL+openapi.PathAuthorize+"?"+authorizeQuery("nobody", "https://app.example/cb", verifier).Encode()); resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
		t.Errorf("unknown client: HTTP %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Regression (issue 11, finding 9): a token exchange without the client
// secret issued refreshable tokens. Like the Open Platform, a refresh needs
// the secret, a code without PKCE needs it, and a PKCE exchange without it
// (a public client) gets a 30-day access token and no refresh token.
func TestTokenExchangeSecretRules(t *testing.T) {
	ts := NewTestServer(t, ServerOptions{})
	c := &rawClient{t: t, ts: ts}
	var eb openapi.ErrorBody
	noSecret := openapi.AccessTokenRequest{ClientID: ts.ClientID, GrantType: openapi.GrantRefreshToken, RefreshToken: ts.RefreshToken}
	if st := c.call(openapi.PathAccessToken, noSecret, &eb); st != 400 || eb.Code != "InvalidClientSecret" || !strings.Contains(eb.Message, "client_secret") {
		t.Fatalf("refresh without the secret: HTTP %d %+v, want 400 InvalidClientSecret", st, eb)
	}
	var tr openapi.TokenResponse
	withSecret := noSecret
	withSecret.ClientSecret = ts.ClientSecret
	if st := c.call(openapi.PathAccessToken, withSecret, &tr); st != 200 || tr.RefreshToken == "" {
		t.Fatalf("refresh with the secret (after a refused attempt): HTTP %d %+v", st, tr)
	}
	wrong := withSecret
	wrong.ClientSecret, wrong.RefreshToken = "nope", tr.RefreshToken
	if st := c.call(openapi.PathAccessToken, wrong, &eb); st != 400 || eb.Code != "InvalidClientSecret" {
		t.Fatalf("refresh with a wrong secret: HTTP %d %+v", st, eb)
	}

	const verifier = "verifier-0123456789-0123456789-0123456789"
	q := authorizeQuery(ts.ClientID, "http://127.0.0.1:4567/oauth/callback", verifier)
	plain := url.Values{}
	for k, v := range q {
		if !strings.HasPrefix(k, "code_challenge") {
			plain[k] = v
		}
	}
	code := openapi.AccessTokenRequest{ClientID: ts.ClientID, GrantType: openapi.GrantAuthCode, Code: approvedCode(t, ts, plain)}
	if st := c.call(openapi.PathAccessToken, code, &eb); st != 400 || eb.Code != "InvalidClientSecret" {
		t.Fatalf("code without PKCE and without the secret: HTTP %d %+v", st, eb)
	}

	public := openapi.AccessTokenRequest{ClientID: ts.ClientID, GrantType: openapi.GrantAuthCode, Code: approvedCode(t, ts, q), CodeVerifier: verifier}
	tr = openapi.TokenResponse{}
	if st := c.call(openapi.PathAccessToken, public, &tr); st != 200 || tr.AccessToken == "" || tr.RefreshToken != "" || tr.ExpiresIn != int64(publicTTL.Seconds()) {
		t.Fatalf("PKCE without the secret: HTTP %d %+v, want an access token for 30 days and no refresh token", st, tr)
	}
	if err := ts.Drive.checkAccessToken(context.Background(), tr.AccessToken); err != nil {
		t.Fatalf("the public client's access token does not work: %v", err)
	}
	confidential := public
	confidential.Code, confidential.ClientSecret = approvedCode(t, ts, q), ts.ClientSecret
	if st := c.call(openapi.PathAccessToken, confidential, &tr); st != 200 || tr.RefreshToken == "" {
		t.Fatalf("PKCE with the secret: HTTP %d %+v, want a refresh token", st, tr)
	}
}
