package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDriveServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	env := &cliEnv{Stdout: &out, Stderr: &errOut}
	done := make(chan error, 1)
	go func() {
		done <- runDriveServe(ctx, env, []string{"--dir", t.TempDir(), "--addr", "127.0.0.1:0", "--faults", "502:/1000"})
	}()
	re := regexp.MustCompile(`at (http://\S+)\nclient_id:\s+(\S+)\nclient_secret:\s+(\S+)\nrefresh_token:\s+(\S+)`)
	var m []string
	for range 500 { // wait for the banner; the server prints it once listening
		if m = re.FindStringSubmatch(out.String()); m != nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("drive serve exited early: %v\n%s", err, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if m == nil {
		cancel()
		t.Fatalf("no URL and credentials in the output:\n%s", out.String())
	}
	body, _ := json.Marshal(openapi.AccessTokenRequest{ClientID: m[2], ClientSecret: m[3], GrantType: openapi.GrantRefreshToken, RefreshToken: m[4]})
	resp, err := http.Post(m[1]+openapi.PathAccessToken, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var tr openapi.TokenResponse
	json.NewDecoder(resp.Body).Decode(&tr)
	resp.Body.Close()
	if resp.StatusCode != 200 || tr.AccessToken == "" {
		t.Fatalf("token exchange against drive serve: HTTP %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, m[1]+openapi.PathList, strings.NewReader(`{"parent_file_id":"root"}`))
	req.Header.Set("Authorization", "Bearer "+tr.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("list root: HTTP %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("drive serve after cancel: %v", err)
	}
	if err := runDriveServe(context.Background(), env, []string{"--dir", t.TempDir(), "--faults", "nonsense"}); err == nil {
		t.Fatal("a bad --faults spec was accepted")
	}
}
