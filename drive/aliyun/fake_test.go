package aliyun

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// fakeAPI is a scripted Open API server for the transport and token tests
// that need exact control over single answers (the contract tests run the
// client against drive/local's real server).
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	access   string          // the currently valid access token
	refresh  string          // the currently valid refresh token
	used     map[string]bool // refresh tokens already spent
	grants   int             // successful refreshes
	handlers map[string]http.HandlerFunc
	hits     map[string]int
	parts    http.HandlerFunc  // serves /part/... (pre-signed part URLs)
	codes    map[string]string // authorization code -> PKCE challenge
}

// authorize approves at once and redirects with a code bound to the challenge.
func (f *fakeAPI) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("response_type") != "code" {
		http.Error(w, "bad authorize request", 400)
		return
	}
	f.mu.Lock()
	if f.codes == nil {
		f.codes = map[string]string{}
	}
	code := "code-" + itoa(len(f.codes))
	f.codes[code] = q.Get("code_challenge")
	f.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+q.Get("state"), http.StatusFound)
}

func (f *fakeAPI) setParts(h http.HandlerFunc) {
	f.mu.Lock()
	f.parts = h
	f.mu.Unlock()
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, access: "at-0", refresh: "rt-0", used: map[string]bool{},
		handlers: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	f.handle(openapi.PathDriveInfo, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"user_id": "u1", "default_drive_id": "d1"})
	})
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) handle(path string, h http.HandlerFunc) {
	f.mu.Lock()
	f.handlers[path] = h
	f.mu.Unlock()
}

func (f *fakeAPI) hitCount(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits[r.URL.Path]++
	h := f.handlers[r.URL.Path]
	access := f.access
	parts := f.parts
	f.mu.Unlock()
	if parts != nil && strings.HasPrefix(r.URL.Path, "/part/") {
		parts(w, r)
		return
	}
	if r.URL.Path == openapi.PathAuthorize {
		f.authorize(w, r)
		return
	}
	if r.URL.Path == openapi.PathAccessToken {
		f.token(w, r)
		return
	}
	if r.Method == http.MethodPost && r.Header.Get("Authorization") != "Bearer "+access {
		writeJSON(w, 401, map[string]string{"code": "AccessTokenExpired", "message": "expired"})
		return
	}
	if h == nil {
		writeJSON(w, 404, map[string]any{"timestamp": "now", "status": 404, "error": "Not Found", "path": r.URL.Path})
		return
	}
	h(w, r)
}

// token rotates: every refresh token works once.
func (f *fakeAPI) token(w http.ResponseWriter, r *http.Request) {
	var req openapi.AccessTokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, 400, map[string]string{"code": "InvalidParameter"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.GrantType == openapi.GrantAuthCode {
		sum := sha256.Sum256([]byte(req.CodeVerifier))
		if ch, ok := f.codes[req.Code]; !ok || ch != base64.RawURLEncoding.EncodeToString(sum[:]) {
			writeJSON(w, 400, map[string]string{"code": "InvalidCode", "message": "code or verifier wrong"})
			return
		}
		delete(f.codes, req.Code)
		f.grants++
		f.access, f.refresh = "at-"+itoa(f.grants), "rt-"+itoa(f.grants)
		writeJSON(w, 200, openapi.TokenResponse{TokenType: "Bearer", AccessToken: f.access, RefreshToken: f.refresh, ExpiresIn: 7200})
		return
	}
	if req.GrantType != openapi.GrantRefreshToken || req.RefreshToken != f.refresh || f.used[req.RefreshToken] {
		writeJSON(w, 400, map[string]string{"code": "InvalidParameter.RefreshToken", "message": "refresh token is invalid"})
		return
	}
	f.used[req.RefreshToken] = true
	f.grants++
	f.access = "at-" + itoa(f.grants)
	f.refresh = "rt-" + itoa(f.grants)
	writeJSON(w, 200, openapi.TokenResponse{TokenType: "Bearer", AccessToken: f.access, RefreshToken: f.refresh, ExpiresIn: 7200})
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// client returns a client of f with a valid token (in a token file) and
// recorded, instant sleeps.
func (f *fakeAPI) client(t *testing.T, mod func(*Options)) (*Client, *[]time.Duration) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "tok.json")
	f.mu.Lock()
	tok := Token{AccessToken: f.access, RefreshToken: f.refresh, Expiry: time.Now().Add(time.Hour)}
	f.mu.Unlock()
	if err := SaveToken(file, tok); err != nil {
		t.Fatal(err)
	}
	o := Options{Account: "t", BaseURL: f.srv.URL, ClientID: "cid", ClientSecret: "sec", TokenFile: file, RateLimit: -1}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, waits
}

// drain reads and discards a request body.
func drain(r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }

func jsonDecode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
