package local

import (
	"context"
	"net/http/httptest"
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
