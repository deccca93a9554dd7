package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/app"
)

// secretKey is the backup encryption key the secrets tests configure; no
// output may show it (issue 15, Secrets).
const secretKey = "passphrase-Zq8wSecretKey-never-printed"

// secretsConfig writes a config that sets the backup encryption key and
// returns its path and the data folder.
func secretsConfig(t *testing.T) (cfgPath, data string) {
	t.Helper()
	data = t.TempDir()
	cfgPath = filepath.Join(t.TempDir(), "config.yaml")
	yml := "data_dir: " + data + "\nplugins:\n  enabled:\n    backup:\n      config:\n        source: /docs\n        target: /backup\n        encryption_key: " + secretKey + "\n"
	if err := os.WriteFile(cfgPath, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, data
}

// TestPluginInspectHidesSecrets: `plugin inspect` shows the backup config
// with the encryption key masked, as text and as JSON.
func TestPluginInspectHidesSecrets(t *testing.T) {
	cfgPath, _ := secretsConfig(t)
	for _, args := range [][]string{{"plugin", "inspect", "backup"}, {"--json", "plugin", "inspect", "backup"}} {
		var out, errb bytes.Buffer
		code := runMain(append([]string{"--config", cfgPath}, args...), &out, &errb)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errb.String())
		}
		all := out.String() + errb.String()
		if strings.Contains(all, secretKey) {
			t.Errorf("%v prints the encryption key:\n%s", args, all)
		}
		if !strings.Contains(all, "encryption_key") || !strings.Contains(all, "[redacted]") {
			t.Errorf("%v does not show the key as redacted:\n%s", args, all)
		}
	}
}

// TestRunsOutputHidesSecrets: a run queued with a secret in its input
// (a share password, a token) shows it masked in runs show and runs list,
// text and --json (issue 15, Secrets).
func TestRunsOutputHidesSecrets(t *testing.T) {
	data := t.TempDir()
	startServeNode(t, data)
	const pw, tok = "sharePw-9x7-never-printed", "tok-4455-never-printed"
	id := strings.TrimSpace(mustWD(t, data, "trigger", "relay", "--entry", "slow", "--input", `{"ms":1,"share_password":"`+pw+`","auth":{"token":"`+tok+`"}}`))
	for _, args := range [][]string{{"runs", "show", id}, {"--json", "runs", "show", id}, {"runs", "list"}, {"--json", "runs", "list"}} {
		code, out, errs := wd(t, data, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errs)
		}
		if all := out + errs; strings.Contains(all, pw) || strings.Contains(all, tok) {
			t.Errorf("%v prints a secret:\n%s", args, all)
		}
	}
	if out := mustWD(t, data, "--json", "runs", "show", id); !strings.Contains(out, "[redacted]") {
		t.Errorf("runs show --json does not mark the masked input:\n%s", out)
	}
}

// TestServeSessionHidesSecrets: a serve session configured with a console
// token and a NATS token: neither shows in the banner and logs, the console
// API answers, doctor (text and --json) or the audit log (issue 15).
func TestServeSessionHidesSecrets(t *testing.T) {
	const consoleTok, natsTok = "consoleTok-81f-never-printed", "natsTok-77a-never-printed"
	data := t.TempDir()
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	yml := "data_dir: " + data + "\nplugins:\n  disable_builtins: true\nconsole:\n  token: " + consoleTok + "\nnats:\n  listen: 127.0.0.1:-1\n  token: " + natsTok + "\n"
	if err := os.WriteFile(cfgPath, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	env := &cliEnv{Stdout: &out, Stderr: &errOut, ConfigPath: cfgPath}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, env, []string{"--console", "127.0.0.1:0", "--grace", "100ms"}) }()
	for !strings.Contains(errOut.String(), "Ctrl-C stops") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\n%s", err, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	si, ok := app.ReadServeInfo(data)
	if !ok || si.Console == "" {
		cancel()
		t.Fatalf("serve.json: %+v", si)
	}
	outputs := map[string]string{}
	for _, p := range []string{"api/plugins", "api/runs", "api/stats"} {
		req, _ := http.NewRequest("GET", strings.TrimSuffix(si.Console, "/")+"/"+p, nil)
		req.Header.Set("Authorization", "Bearer "+consoleTok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, b)
		}
		outputs["GET "+p] = string(b)
	}
	for _, args := range [][]string{{"doctor"}, {"--json", "doctor"}, {"runs", "list"}, {"--json", "plugin", "list"}} {
		var o, e bytes.Buffer
		runMain(append([]string{"--config", cfgPath}, args...), &o, &e)
		outputs[strings.Join(args, " ")] = o.String() + e.String()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	outputs["serve"] = out.String() + errOut.String()
	audit, _ := os.ReadFile(filepath.Join(data, "audit.jsonl"))
	outputs["audit.jsonl"] = string(audit)
	for name, s := range outputs {
		for _, secret := range []string{consoleTok, natsTok} {
			if strings.Contains(s, secret) {
				t.Errorf("%s shows a configured secret:\n%s", name, s)
			}
		}
	}
}
