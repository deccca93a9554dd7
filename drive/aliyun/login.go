package aliyun

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// DefaultScope is what `wasmdrive login` asks for: read and write access
// to all files.
const DefaultScope = "user:base,file:all:read,file:all:write"

// LoginOptions configures the authorization-code flow with PKCE.
type LoginOptions struct {
	Account      string
	BaseURL      string // default DefaultBaseURL
	ClientID     string
	ClientSecret string // optional with PKCE
	Scope        string // default DefaultScope
	// Listen is the loopback address of the redirect listener (default
	// "127.0.0.1:0", a free port). The redirect URI is
	// http://ADDR/oauth/callback; register it with the app.
	Listen string
	// ShowURL is called with the authorize URL for the user to open.
	ShowURL func(authorizeURL string)
	// HTTPClient for the token exchange (default http.DefaultClient).
	HTTPClient *http.Client
}

// Login runs the authorization-code flow with PKCE (S256): it listens on a
// loopback port, shows the authorize URL, waits for the browser's redirect
// with the code (checking state), and exchanges code + code_verifier for
// tokens. The caller saves the token (SaveToken). ctx bounds the wait.
func Login(ctx context.Context, o LoginOptions) (Token, error) {
	if o.ClientID == "" {
		return Token{}, errors.New("login: client_id is required (set accounts.NAME.client_id)")
	}
	base := strings.TrimRight(orString(o.BaseURL, DefaultBaseURL), "/")
	verifier, err := randomURLSafe(48)
	if err != nil {
		return Token{}, err
	}
	state, err := randomURLSafe(16)
	if err != nil {
		return Token{}, err
	}
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	ln, err := net.Listen("tcp", orString(o.Listen, "127.0.0.1:0"))
	if err != nil {
		return Token{}, fmt.Errorf("login: listen for the redirect: %w", err)
	}
	defer ln.Close()
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		return Token{}, fmt.Errorf("login: the redirect listener %s is not loopback", ln.Addr())
	}
	redirect := "http://" + ln.Addr().String() + "/oauth/callback"
	q := url.Values{
		"client_id":             {o.ClientID},
		"redirect_uri":          {redirect},
		"scope":                 {orString(o.Scope, DefaultScope)},
		"response_type":         {"code"},
		"state":                 {state},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
	authURL := base + openapi.PathAuthorize + "?" + q.Encode()

	type result struct {
		code string
		err  error
	}
	got := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/callback" {
			http.NotFound(w, r)
			return
		}
		v := r.URL.Query()
		var res result
		switch {
		case subtle.ConstantTimeCompare([]byte(v.Get("state")), []byte(state)) != 1:
			res.err = errors.New("login: the redirect carried a wrong state (a stale or forged browser tab); run login again")
		case v.Get("error") != "":
			res.err = fmt.Errorf("login: authorization refused: %s %s", clip(v.Get("error"), 100), clip(v.Get("error_description"), 200))
		case v.Get("code") == "":
			res.err = errors.New("login: the redirect carried no code")
		default:
			res.code = v.Get("code")
		}
		msg := "wasmdrive is logged in; you can close this tab."
		if res.err != nil {
			msg = res.err.Error()
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>wasmdrive login</title><p>%s</p>", html.EscapeString(msg))
		select {
		case got <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	if o.ShowURL != nil {
		o.ShowURL(authURL)
	}
	var res result
	select {
	case res = <-got:
	case <-ctx.Done():
		return Token{}, fmt.Errorf("login: waiting for the browser redirect: %w", ctx.Err())
	}
	if res.err != nil {
		return Token{}, res.err
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	hint := fmt.Sprintf("run `wasmdrive login --account %s` again", orString(o.Account, "default"))
	tok, err := exchangeToken(ctx, hc, base+openapi.PathAccessToken, o.ClientID, o.ClientSecret, map[string]string{
		"grant_type":    openapi.GrantAuthCode,
		"code":          res.code,
		"code_verifier": verifier,
	}, time.Now, hint)
	if err != nil {
		return Token{}, fmt.Errorf("login: exchange the code: %w", err)
	}
	return tok, nil
}

func orString(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// randomURLSafe returns n random bytes, base64url-encoded (PKCE verifier:
// 43–128 characters of [A-Za-z0-9-._~]).
func randomURLSafe(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("login: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
