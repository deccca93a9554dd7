package web

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Access control
//
//   - With a token configured, every request needs it (Authorization:
//     Bearer, or the HttpOnly cookie that visiting /?token=... sets), except
//     /api/health and the static assets. New refuses a non-loopback bind
//     without a token.
//   - Without a token (loopback only), the Host header must name a loopback
//     host, which defeats DNS rebinding, and the console is read-only: the
//     page carries no CSRF token and every state-changing request is
//     refused (403), since any local process could otherwise make one.
//   - With a token, a POST needs the Bearer header, or the page's CSRF token
//     in the X-CSRF-Token header: a cross-site form cannot set a header, and
//     a cross-site script cannot read the page that holds the token. A POST
//     carrying a foreign Origin is refused outright.
//   - The websocket handshake checks the same credentials, and gorilla's
//     default CheckOrigin refuses a foreign Origin (403).

const (
	cookieName = "wasmdrive_token"
	csrfHeader = "X-CSRF-Token"
	// readOnlyMsg answers a state change on a console without a token.
	readOnlyMsg = "this console is read-only because no console token is set: set console.token in the config (or WASMDRIVE_CONSOLE__TOKEN), restart, then open /?token=<token> once or send Authorization: Bearer <token>"
)

// authorize reports whether r may proceed; if not it has answered.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Token == "" && !isLoopbackHost(hostOnly(r.Host)) {
		httpError(w, http.StatusMisdirectedRequest, "this console only answers to localhost names; set a token to serve other hosts")
		return false
	}
	if r.URL.Path == "/api/health" || strings.HasPrefix(r.URL.Path, "/static/") {
		return true
	}
	if strings.HasPrefix(r.URL.Path, "/s/") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		return true // a share link's page: for others, guarded by the share's password
	}
	bearer := false
	if s.opts.Token != "" {
		if r.URL.Path == "/" && r.URL.Query().Has("token") {
			s.login(w, r)
			return false
		}
		var ok bool
		ok, bearer = s.hasToken(r)
		if !ok {
			if r.URL.Path == "/" && r.Method == http.MethodGet {
				s.assets.serveLogin(w, "")
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer realm="wasmdrive"`)
				httpError(w, http.StatusUnauthorized, "missing or wrong token: send Authorization: Bearer <token>, or open /?token=<token> once")
			}
			return false
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if s.opts.Token == "" {
			httpError(w, http.StatusForbidden, readOnlyMsg)
			return false
		}
		if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
			httpError(w, http.StatusForbidden, "cross-origin request refused")
			return false
		}
		if !bearer && !equal(r.Header.Get(csrfHeader), s.csrf) {
			httpError(w, http.StatusForbidden, "missing CSRF token: scripts send Authorization: Bearer <token>; the page sends X-CSRF-Token")
			return false
		}
	}
	return true
}

// hasToken checks the Bearer header, then the cookie.
func (s *Server) hasToken(r *http.Request) (ok, bearer bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		t, found := strings.CutPrefix(h, "Bearer ")
		return found && equal(t, s.opts.Token), found && equal(t, s.opts.Token)
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return equal(c.Value, s.opts.Token), false
	}
	return false, false
}

// login checks ?token=, sets the cookie and redirects to the bare URL, so
// the token does not stay in the address bar or history.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !equal(r.URL.Query().Get("token"), s.opts.Token) {
		s.assets.serveLogin(w, "That token is not right.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: s.opts.Token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		MaxAge: 30 * 24 * 3600,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// sameOrigin reports whether an Origin header names the requested host.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, host)
}
