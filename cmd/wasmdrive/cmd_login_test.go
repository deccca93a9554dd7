package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive/local"
)

// browser plays the user: when the login command prints the authorize URL
// it opens it and presses Approve on drive/local's consent page, which
// redirects back to the login command (Deny when deny is set).
type browser struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	hit  bool
	deny bool
}

var urlRE = regexp.MustCompile(`https?://\S+/oauth/authorize\S*`)

func (b *browser) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if u := urlRE.FindString(b.buf.String()); u != "" && !b.hit {
		b.hit = true
		go func() {
			resp, err := local.AnswerConsent(context.Background(), http.DefaultClient, u, !b.deny)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	return len(p), nil
}

func TestLoginThenUseAliyunAccount(t *testing.T) {
	ts := local.NewTestServer(t, local.ServerOptions{})
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "tokens", "work.json")
	cfg := filepath.Join(dir, "wasmdrive.yaml")
	yaml := "data_dir: " + dir + "\naccounts:\n  work:\n    type: aliyun\n    base_url: " + ts.URL +
		"\n    client_id: " + ts.ClientID + "\n    client_secret: " + ts.ClientSecret + "\n    token_file: " + tokenFile + "\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out bytes.Buffer
		b := &browser{}
		code := runMain(append([]string{"--config", cfg}, args...), &out, b)
		return code, out.String(), b.buf.String()
	}
	// The user denies: no token is saved.
	var deniedOut bytes.Buffer
	denied := &browser{deny: true}
	if code := runMain([]string{"--config", cfg, "login", "--account", "work", "--listen", "127.0.0.1:0"}, &deniedOut, denied); code == 0 ||
		!strings.Contains(denied.buf.String(), "access_denied") {
		t.Fatalf("login the user denied: exit %d\n%s", code, denied.buf.String())
	}
	if _, err := os.Stat(tokenFile); err == nil {
		t.Fatal("a denied login saved a token file")
	}
	if code, _, errs := run("drive", "ls", "--account", "work", "/"); code != exitPermission || !strings.Contains(errs, "wasmdrive login --account work") {
		t.Fatalf("before login: exit %d, %s", code, errs)
	}
	code, out, errs := run("login", "--account", "work", "--listen", "127.0.0.1:0")
	if code != 0 || !strings.Contains(out, "logged in") {
		t.Fatalf("login: exit %d\n%s\n%s", code, out, errs)
	}
	st, err := os.Stat(tokenFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", err, st)
	}
	if code, _, errs := run("drive", "mkdir", "-p", "--account", "work", "/via/api"); code != 0 {
		t.Fatalf("mkdir through the client: exit %d %s", code, errs)
	}
	if _, err := ts.Drive.GetByPath(t.Context(), "/via/api"); err != nil {
		t.Fatalf("the folder is not on the server's drive: %v", err)
	}
	if code, out, _ := run("drive", "ls", "--account", "work", "/via"); code != 0 || out != "api/\n" {
		t.Fatalf("ls: %d %q", code, out)
	}
	if code, _, errs := run("drive", "restore", "--account", "work", "--list"); code != 0 {
		t.Fatalf("restore --list via the extension: %d %s", code, errs)
	}
}
