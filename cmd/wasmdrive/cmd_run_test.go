package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIncompleteStatus(t *testing.T) {
	tests := []struct {
		out  string
		code int // 0: no error
	}{
		{`{"status":"ok"}`, 0},
		{`{"status":"idle"}`, 0},
		{`{"files":3}`, 0},
		{`"text"`, 0},
		{`not json`, 0},
		{`{"status":"partial"}`, exitIncomplete},
		{`{"status":"differences"}`, exitIncomplete},
		{`{"status":"refused"}`, exitIncomplete},
	}
	for _, tt := range tests {
		err := incomplete("p", json.RawMessage(tt.out))
		var ee *exitError
		switch {
		case tt.code == 0 && err != nil:
			t.Errorf("%s: %v, want no error", tt.out, err)
		case tt.code != 0 && (!errors.As(err, &ee) || ee.code != tt.code):
			t.Errorf("%s: %v, want exit %d", tt.out, err, tt.code)
		}
	}
}

// TestRunExitCodeTellsIncomplete: with a file gone from the drive, `run`
// of the built-in backup's verify and restore print their summaries and
// exit exitIncomplete, not 0 (issue 12: cron saw success).
func TestRunExitCodeTellsIncomplete(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the built-in plugins")
	}
	data := t.TempDir()
	for name, body := range map[string]string{"a.txt": "alpha", "b.txt": "bravo"} {
		p := filepath.Join(data, "inbox", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustWD(t, data, "run", "backup")
	mustWD(t, data, "run", "backup", "--entry", "verify")
	mustWD(t, data, "drive", "rm", "--permanent", "/Backup/inbox/a.txt")
	for _, tc := range []struct {
		args   []string
		status string
	}{
		{[]string{"run", "backup", "--entry", "verify"}, "differences"},
		{[]string{"run", "backup", "--entry", "restore", "--input", `{"dest":"` + filepath.Join(data, "restore") + `"}`}, "partial"},
		{[]string{"--json", "run", "backup", "--entry", "verify"}, "differences"},
	} {
		code, out, errs := wd(t, data, tc.args...)
		if code != exitIncomplete {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, code, exitIncomplete, errs)
		}
		if !strings.Contains(out, `"status": "`+tc.status+`"`) && !strings.Contains(out, `"status":"`+tc.status+`"`) {
			t.Errorf("%v: stdout lacks status %s:\n%s", tc.args, tc.status, out)
		}
		if !strings.Contains(errs, tc.status) {
			t.Errorf("%v: stderr does not say %s:\n%s", tc.args, tc.status, errs)
		}
	}
}
