package local

import (
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// The browser step of the authorization-code flow, like the Open
// Platform's: GET /oauth/authorize checks the app and its redirect URI and
// shows the user a consent page; nothing is issued until the user presses
// Approve, which posts back a one-time form token. Only then does the
// browser go back to the (registered) redirect URI with a code.
//
//   - An unknown client_id, a redirect_uri the app did not register, or a
//     bad request is answered here as a JSON error ({code, message,
//     requestId}, the real service's error shape) and never redirected, so
//     the drive cannot be used to bounce a browser (or a code) elsewhere.
//     The Open Platform likewise sends the browser back only to the
//     callback URL registered for the app in its console. The code of the
//     refusal, InvalidParameter.RedirectUri, is ours: no public source
//     names the real one.
//   - The form token is random, bound to the request it was shown for,
//     valid for codeTTL and spent by the first POST (approve or deny).
//     A cross-site page cannot read it; the page refuses framing.
//   - Deny sends the browser back with error=access_denied (RFC 6749
//     4.1.2.1), which aliyun.Login reports.

const (
	consentField  = "consent_token"
	decisionField = "decision"
	maxPending    = 1024
	// codeRedirectURI is the Open Platform's error code for a redirect_uri
	// the app did not register (ours; see above).
	codeRedirectURI = "InvalidParameter.RedirectUri"
)

// pendingAuth is an authorize request shown to the user and not yet
// answered.
type pendingAuth struct {
	clientID, redirect, challenge, state, scope string
	expires                                     time.Time
}

// consents holds the pending authorize requests by form token.
type consents struct {
	mu sync.Mutex
	m  map[string]pendingAuth
}

// add stores p and returns its one-time form token.
func (c *consents) add(p pendingAuth) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]pendingAuth{}
	}
	now := time.Now()
	for k, v := range c.m {
		if now.After(v.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) >= maxPending {
		return "", &drive.Error{Status: http.StatusServiceUnavailable, Code: "TooManyRequests",
			Message: fmt.Sprintf("%d authorizations are waiting for the user: answer or let them expire (%s), then try again", len(c.m), codeTTL)}
	}
	t := randomToken(24)
	c.m[tokenHash(t)] = p
	return t, nil
}

// take removes and returns the request of a form token.
func (c *consents) take(t string) (pendingAuth, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[tokenHash(t)]
	delete(c.m, tokenHash(t))
	if !ok || time.Now().After(p.expires) {
		return pendingAuth{}, false
	}
	return p, true
}

// authorize (GET) checks the request and shows the consent page.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := pendingAuth{clientID: q.Get("client_id"), redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
		state: q.Get("state"), scope: q.Get("scope"), expires: time.Now().Add(codeTTL)}
	if err := s.checkAuthorize(r.Context(), p, q.Get("response_type"), q.Get("code_challenge_method")); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.consent.add(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	target, _ := url.Parse(p.redirect)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	_ = consentPage.Execute(w, map[string]string{
		"Client": p.clientID, "Drive": s.d.opts.UserName, "Scope": orDefault(p.scope, "(none named)"),
		"Host": target.Host, "Redirect": p.redirect, "Action": r.URL.Path, "Field": consentField,
		"Token": t, "Decision": decisionField,
	})
}

// decide (POST) spends a form token: approve redirects with a code, deny
// with error=access_denied.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		s.writeError(w, r, drive.Invalid("the authorization form is malformed: %v", err))
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" && !sameHostOrigin(o, r.Host) {
		s.writeError(w, r, oauthError(http.StatusForbidden, drive.CodePermissionDenied, "an authorization may only be approved from its own page (Origin %q)", o))
		return
	}
	p, ok := s.consent.take(r.PostForm.Get(consentField))
	if !ok {
		s.writeError(w, r, drive.Invalid("this authorization page expired or was already answered: open the authorize link again"))
		return
	}
	var u string
	var err error
	switch r.PostForm.Get(decisionField) {
	case "approve":
		var code string
		if code, err = s.d.authorizeCode(r.Context(), p.clientID, p.challenge); err != nil {
			s.writeError(w, r, err)
			return
		}
		u, err = addQuery(p.redirect, "code", code, "state", p.state)
	case "deny":
		u, err = addQuery(p.redirect, "error", "access_denied", "error_description", "the user denied the authorization", "state", p.state)
	default:
		s.writeError(w, r, drive.Invalid("%s must be approve or deny", decisionField))
		return
	}
	if err != nil {
		s.writeError(w, r, drive.Invalid("redirect_uri %q is not a URL", p.redirect))
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// checkAuthorize validates an authorize request before anything is shown.
func (s *Server) checkAuthorize(ctx context.Context, p pendingAuth, responseType, method string) error {
	if p.clientID == "" {
		return oauthError(400, "InvalidClientId", "client_id is required")
	}
	if err := clientExists(ctx, s.d.r, p.clientID); err != nil {
		return err
	}
	if p.redirect == "" {
		return oauthError(400, codeRedirectURI, "redirect_uri is required")
	}
	reg, err := redirectURIs(ctx, s.d.r, p.clientID)
	if err != nil {
		return err
	}
	if !redirectAllowed(reg, p.redirect) {
		return oauthError(400, codeRedirectURI, "redirect_uri %q is not registered for client %q (registered: %s): register it with the drive (local.Drive.SetRedirectURIs) or use a registered one",
			p.redirect, p.clientID, strings.Join(reg, ", "))
	}
	if responseType != "code" {
		return drive.Invalid("response_type %q is not supported: use response_type=code", responseType)
	}
	if p.challenge != "" && method != "" && method != "S256" {
		return drive.Invalid("code_challenge_method %q is not S256", method)
	}
	return nil
}

// checkRedirectURI reports whether u may be registered.
func checkRedirectURI(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Fragment != "" || p.User != nil {
		return drive.Invalid("redirect URI %q is not an absolute http(s) URL without user info or fragment", u)
	}
	return nil
}

// redirectAllowed reports whether redirect matches a registered URI:
// exactly, or (RFC 8252 7.3) a registered loopback-IP URI without a port
// on any port.
func redirectAllowed(registered []string, redirect string) bool {
	got, err := url.Parse(redirect)
	if err != nil || got.User != nil || got.Fragment != "" {
		return false
	}
	for _, r := range registered {
		if r == redirect {
			return true
		}
		want, err := url.Parse(r)
		if err != nil || want.Port() != "" || want.Scheme != "http" || got.Scheme != "http" {
			continue
		}
		ip := net.ParseIP(want.Hostname())
		if ip == nil || !ip.IsLoopback() || got.Hostname() != want.Hostname() || got.Port() == "" {
			continue
		}
		if got.EscapedPath() == want.EscapedPath() && got.RawQuery == want.RawQuery {
			return true
		}
	}
	return false
}

// sameHostOrigin reports whether an Origin header names host.
func sameHostOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, host)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {{.Client}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em}
code{background:#f3f3f3;padding:0 .2em}button{font:inherit;padding:.4em 1.2em;margin-right:.6em}</style></head>
<body><h1>Authorize an app</h1>
<p>The app <code>{{.Client}}</code> asks for access to the local drive <strong>{{.Drive}}</strong>
with the scope <code>{{.Scope}}</code>.</p>
<p>If you approve, your browser goes back to <code>{{.Host}}</code> (<code>{{.Redirect}}</code>) with a code the app exchanges for tokens.
Approve only if you just started this login yourself.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="{{.Field}}" value="{{.Token}}">
<button type="submit" name="{{.Decision}}" value="approve" id="approve">Approve</button>
<button type="submit" name="{{.Decision}}" value="deny" id="deny">Deny</button>
</form></body></html>
`))
