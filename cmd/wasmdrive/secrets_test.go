package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
