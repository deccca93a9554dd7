package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/app"
	"github.com/wasmdrive/wasmdrive/natsx"
)

// serveBanner runs `wasmdrive serve` with the YAML config yml on a fresh
// data folder until its banner is out, then stops it; it returns the data
// folder and everything serve wrote.
func serveBanner(t *testing.T, yml string) (string, string) {
	t.Helper()
	data := t.TempDir()
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte("plugins:\n  disable_builtins: true\n"+yml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	env := &cliEnv{Stdout: &out, Stderr: &errOut, ConfigPath: cfgPath, DataDir: data}
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
	banner := errOut.String()
	si, ok := app.ReadServeInfo(data)
	if !ok || si.Token == "" {
		t.Errorf("serve.json lacks the token CLI commands need: %+v", si)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
	return data, banner + errOut.String()
}

// TestServeBannerHidesToken: the serve banner says where the NATS token is
// but never prints it (issue 11, finding 11), with a generated token and a
// configured one.
func TestServeBannerHidesToken(t *testing.T) {
	t.Run("generated", func(t *testing.T) {
		data, banner := serveBanner(t, "")
		b, err := os.ReadFile(natsx.TokenFile(data))
		if err != nil {
			t.Fatal(err)
		}
		token := strings.TrimSpace(string(b))
		if token == "" || strings.Contains(banner, token) {
			t.Fatalf("the banner prints the NATS token:\n%s", banner)
		}
		if !strings.Contains(banner, natsx.TokenFile(data)) {
			t.Fatalf("the banner does not say where the token is:\n%s", banner)
		}
	})
	t.Run("configured", func(t *testing.T) {
		_, banner := serveBanner(t, "nats:\n  listen: 127.0.0.1:-1\n  token: configured-secret-token\n")
		if strings.Contains(banner, "configured-secret-token") {
			t.Fatalf("the banner prints nats.token:\n%s", banner)
		}
		if !strings.Contains(banner, "nats.token") {
			t.Fatalf("the banner does not say which token clients need:\n%s", banner)
		}
	})
}

// TestDoctorHidesNATSPassword: doctor names the server of nats.url but not
// its password.
func TestDoctorHidesNATSPassword(t *testing.T) {
	t.Setenv("WASMDRIVE_NATS__URL", "nats://u:secret@127.0.0.1:1")
	t.Setenv("WASMDRIVE_PLUGINS__DISABLE_BUILTINS", "true")
	for _, args := range [][]string{{"doctor"}, {"--json", "doctor"}, {"runs", "list"}} {
		_, out, errs := wd(t, t.TempDir(), args...)
		if strings.Contains(out+errs, "secret") {
			t.Fatalf("wasmdrive %s prints the password of nats.url:\n%s%s", strings.Join(args, " "), out, errs)
		}
		if !strings.Contains(out+errs, "127.0.0.1:1") {
			t.Fatalf("wasmdrive %s does not name the server:\n%s%s", strings.Join(args, " "), out, errs)
		}
	}
}
