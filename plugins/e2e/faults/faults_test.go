// Package faults runs a 1,000-file backup through the Open API client
// while the local drive injects faults (a package of its own: it takes
// tens of seconds).
package faults

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/aliyun"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/plugins/e2e"
)

// TestBackupUnderFaults backs up 1,000 files through the Open API client
// while the local drive's server injects 429s, 5xx, connection resets,
// expired upload URLs and expired tokens; the result must verify and
// restore byte for byte.
func TestBackupUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000-file fault run skipped in -short mode")
	}
	faults, seed, err := local.ParseFaults("429:0.03,500:0.02,502:0.02,reset:0.02,expire:0.05,token:0.01,retry=5ms;seed=7")
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("E2E_FAULTS") == "none" {
		faults = nil
	}
	// The drive/local test server, without fsync (NewTestServer syncs).
	ld, err := local.Open(t.TempDir(), local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := local.NewServer(ld, local.ServerOptions{Faults: faults, FaultSeed: seed})
	hs := httptest.NewServer(srv)
	ld.SetPublicURL(hs.URL)
	t.Cleanup(func() { hs.Close(); ld.Close() })
	id, secret, refresh, err := ld.NewClientCredentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, err := aliyun.New(aliyun.Options{Account: "faults", BaseURL: hs.URL, ClientID: id, ClientSecret: secret,
		Token: &aliyun.Token{RefreshToken: refresh}, TokenFile: filepath.Join(t.TempDir(), "token.json"),
		RateLimit: -1, MaxAttempts: 8, BackoffBase: time.Millisecond, BackoffMax: 20 * time.Millisecond, UseBatchEndpoint: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })

	src := t.TempDir()
	for i := 0; i < 1000; i++ {
		size := 100 + (i*7919)%5000
		if i%100 == 0 {
			size = 3<<20 + i // a few multipart files
		}
		e2e.WriteFile(t, filepath.Join(src, "d"+strconv.Itoa(i%13), "f"+strconv.Itoa(i)), e2e.Content(i, size))
	}
	e := e2e.NewTestEnv(t, c, "", map[string]map[string]any{"backup": map[string]any{"source": src, "target": "/Backup/f", "retries": 8}})
	var s struct {
		Status string
		Errors []struct{ Path, Error string }
	}
	start := time.Now()
	e.MustCall("backup", "backup", nil, &s)
	t.Logf("backup under faults: %v", time.Since(start))
	if s.Status != "ok" {
		// A file may still fail after every retry; the next run must pick it up.
		t.Logf("first run under faults: %d errors (first: %+v)", len(s.Errors), s.Errors[0])
		e.MustCall("backup", "backup", nil, &s)
	}
	if s.Status != "ok" {
		t.Fatalf("second run under faults still failing: %+v", s.Errors)
	}
	var v struct {
		Status string
		OK     int
	}
	start = time.Now()
	e.MustCall("backup", "verify", nil, &v)
	t.Logf("verify: %v", time.Since(start))
	if v.Status != "ok" || v.OK != 1000 {
		t.Fatalf("verify: %+v", v)
	}
	srv.SetFaults(nil, 0)
	// Restore one folder (77 files, one multipart) and compare it.
	dest := t.TempDir()
	start = time.Now()
	e.MustCall("backup", "restore", map[string]any{"dest": dest, "prefix": "d0"}, nil)
	t.Logf("restore: %v", time.Since(start))
	e2e.SameTree(t, filepath.Join(src, "d0"), filepath.Join(dest, "d0"))
}
