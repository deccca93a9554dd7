package aliyun

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

func okGet(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, drive.File{FileID: "f1", Name: "a"})
}

func TestRefreshRotationPersisted(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGet, okGet)
	c, _ := f.client(t, nil)
	// The server rotates: the client's access token is now stale.
	f.mu.Lock()
	f.access = "at-other"
	f.mu.Unlock()
	if _, err := c.Get(context.Background(), "f1"); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadToken(c.opts.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "rt-01" || tok.AccessToken != "at-01" {
		t.Fatalf("token file holds %q/%q, want the rotated pair", tok.AccessToken, tok.RefreshToken)
	}
	st, err := os.Stat(c.opts.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, want 0600", st.Mode().Perm())
	}
	// A second client from the same file uses the rotated refresh token.
	f.mu.Lock()
	f.access = "at-other2"
	f.mu.Unlock()
	c2, err := New(c.opts)
	if err != nil {
		t.Fatal(err)
	}
	c2.sleep = c.sleep
	if _, err := c2.Get(context.Background(), "f1"); err != nil {
		t.Fatalf("second process: %v", err)
	}
	if c.Refreshes() != 1 || c2.Refreshes() != 1 {
		t.Fatalf("refreshes %d/%d", c.Refreshes(), c2.Refreshes())
	}
}

func TestConcurrent401sRefreshOnce(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGet, okGet)
	c, _ := f.client(t, nil)
	if _, err := c.DriveID(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.access = "revoked"
	f.mu.Unlock()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Get(context.Background(), "f1")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Refreshes(); n != 1 {
		t.Fatalf("refreshed %d times, want 1", n)
	}
}

func TestRefreshAheadOfExpiry(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGet, okGet)
	now := time.Now()
	c, _ := f.client(t, func(o *Options) {
		o.Now = func() time.Time { return now.Add(58 * time.Minute) } // token expires at +60m, skew 5m
	})
	if _, err := c.Get(context.Background(), "f1"); err != nil {
		t.Fatal(err)
	}
	if c.Refreshes() != 1 {
		t.Fatalf("refreshes = %d, want 1 (ahead of expiry)", c.Refreshes())
	}
	if f.hitCount(openapi.PathGet) != 1 {
		t.Fatalf("the stale token was sent first")
	}
}

func TestRefusedRefreshSaysLogin(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGet, okGet)
	c, _ := f.client(t, nil)
	f.mu.Lock()
	f.access, f.refresh = "gone", "gone" // the saved refresh token no longer works
	f.mu.Unlock()
	_, err := c.Get(context.Background(), "f1")
	if !errors.Is(err, drive.ErrInvalid) && !errors.Is(err, drive.ErrAuth) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "wasmdrive login --account t") {
		t.Fatalf("error does not say how to fix it: %s", msg)
	}
	for _, secret := range []string{"rt-0", "at-0", "sec"} {
		if strings.Contains(msg, secret) {
			t.Fatalf("error leaks %q: %s", secret, msg)
		}
	}
}

func TestNotLoggedIn(t *testing.T) {
	_, err := New(Options{Account: "work", ClientID: "c", TokenFile: filepath.Join(t.TempDir(), "none.json")})
	if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "wasmdrive login --account work") {
		t.Fatalf("err = %v", err)
	}
}

func TestSaveTokenAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "a.json")
	for i := range 3 {
		want := Token{AccessToken: fmt.Sprint("a", i), RefreshToken: fmt.Sprint("r", i), Expiry: time.Unix(int64(i), 0).UTC()}
		if err := SaveToken(p, want); err != nil {
			t.Fatal(err)
		}
		got, err := LoadToken(p)
		if err != nil || got != want {
			t.Fatalf("round trip %d: %+v %v", i, got, err)
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	if len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
	if s := fmt.Sprintf("%v %+v %#v", Token{AccessToken: "SECRET"}, Token{RefreshToken: "SECRET"}, Token{AccessToken: "SECRET"}); strings.Contains(s, "SECRET") {
		t.Fatalf("Token prints its secret: %s", s)
	}
}

func TestRotatedTokenSavedLater(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGet, okGet)
	dir := t.TempDir()
	blocker := filepath.Join(dir, "tokens")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil { // a file where the folder should be
		t.Fatal(err)
	}
	file := filepath.Join(blocker, "t.json")
	c, err := New(Options{Account: "t", BaseURL: f.srv.URL, ClientID: "cid", TokenFile: file, Token: &Token{RefreshToken: "rt-0"}, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), "f1")
	if err == nil || !strings.Contains(err.Error(), "could not be saved") {
		t.Fatalf("err = %v, want a save failure", err)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), "f1"); err != nil {
		t.Fatalf("after fixing the folder: %v", err)
	}
	tok, err := LoadToken(file)
	if err != nil || tok.RefreshToken != "rt-01" {
		t.Fatalf("saved %+v %v, want the rotated refresh token", tok, err)
	}
	if c.Refreshes() != 1 {
		t.Fatalf("refreshed %d times; the rotated token must be kept, not refreshed again", c.Refreshes())
	}
}

func TestNothingPrintsSecrets(t *testing.T) {
	o := Options{Account: "a", ClientID: "id", ClientSecret: "SECRET", Token: &Token{AccessToken: "SECRET", RefreshToken: "SECRET"}}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s", o, o, o, o), fmt.Sprintf("%v %+v %s", c, c, c)} {
		if strings.Contains(s, "SECRET") {
			t.Fatalf("printed a secret: %s", s)
		}
	}
}

func TestTwoProcessesShareTheTokenFile(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathGet, okGet)
	c1, _ := f.client(t, nil)
	c2, err := New(c1.opts) // a second process on the same token file
	if err != nil {
		t.Fatal(err)
	}
	c2.sleep = c1.sleep
	f.mu.Lock()
	f.access = "revoked" // both hold a stale access token
	f.mu.Unlock()
	for _, c := range []*Client{c1, c2} {
		if _, err := c.Get(context.Background(), "f1"); err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	grants := f.grants
	f.mu.Unlock()
	if grants != 1 || c1.Refreshes() != 1 || c2.Refreshes() != 0 {
		t.Fatalf("grants %d, refreshes %d/%d: the second process must reuse the saved token, not spend the old refresh token",
			grants, c1.Refreshes(), c2.Refreshes())
	}
}
