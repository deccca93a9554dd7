package redact

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestIsSecretKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"encryption_key", true}, {"encrypt_key_env", true}, {"token", true}, {"NATSToken", true},
		{"apikey", true}, {"share_password", true}, {"client_secret", true}, {"refresh-token", true},
		{"encrypt_names", false}, {"temp_dir", false}, {"subject", false}, {"monkeys", false},
		{"max_log_lines", false}, {"keys", false}, {"tokens_used", false},
	} {
		if got := IsSecretKey(tc.name); got != tc.want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestJSON(t *testing.T) {
	raw := json.RawMessage(`{"encryption_key":"hunter2","empty_key":"","nested":{"token":"t0k","n":1},"plain":"ok","custom":"s3cret","list":[{"password":"pw"}]}`)
	got := string(JSON(raw, "custom"))
	for _, s := range []string{"hunter2", "t0k", "s3cret", `"pw"`} {
		if strings.Contains(got, s) {
			t.Errorf("JSON kept %s: %s", s, got)
		}
	}
	for _, s := range []string{`"plain":"ok"`, `"empty_key":""`, `"n":1`} {
		if !strings.Contains(got, s) {
			t.Errorf("JSON lost %s: %s", s, got)
		}
	}
	if got := string(JSON(json.RawMessage(`"x"`))); got != `"x"` {
		t.Errorf("scalar changed: %s", got)
	}
}

func TestReplaceAttr(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ReplaceAttr}))
	log.Info("x", "token", "t0k", "config", json.RawMessage(`{"encryption_key":"hunter2"}`), "path", "/a")
	if s := buf.String(); strings.Contains(s, "t0k") || strings.Contains(s, "hunter2") || !strings.Contains(s, "path=/a") {
		t.Errorf("log line: %s", s)
	}
}
