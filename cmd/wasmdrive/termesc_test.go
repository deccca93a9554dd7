package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/runner"
)

// evilName holds an OSC window-title sequence and a carriage return that
// would let the rest of the line overwrite the listing.
const evilName = "a\x1b]0;pwned\x07\rrun succeeded"

// evilShown is how the CLI must print it.
const evilShown = `a\x1b]0;pwned\a\rrun succeeded`

// assertEscaped fails if out holds a raw ESC, BEL or CR, or lacks the
// escaped form of evilName.
func assertEscaped(t *testing.T, what, out string) {
	t.Helper()
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Errorf("%s prints raw control characters: %q", what, out)
	}
	if !strings.Contains(out, evilShown) {
		t.Errorf("%s does not show the name escaped (%s): %q", what, evilShown, out)
	}
}

func TestDriveListingsEscapeControlChars(t *testing.T) {
	data := t.TempDir()
	src := filepath.Join(t.TempDir(), evilName+".txt")
	if err := os.WriteFile(src, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustWD(t, data, "drive", "mkdir", "-p", "/d/"+evilName)
	mustWD(t, data, "drive", "put", src, "/d")

	assertEscaped(t, "drive ls", mustWD(t, data, "drive", "ls", "/d"))
	assertEscaped(t, "drive ls -l", mustWD(t, data, "drive", "ls", "-l", "/d"))
	assertEscaped(t, "drive tree", mustWD(t, data, "drive", "tree", "/d"))
	assertEscaped(t, "drive stat", mustWD(t, data, "drive", "stat", "/d/"+evilName))
	assertEscaped(t, "drive put -v", mustWD(t, data, "-v", "drive", "put", "--overwrite", src, "/d"))
	code, _, errs := wd(t, data, "drive", "stat", "/d/"+evilName+"/missing")
	if code == 0 {
		t.Fatalf("stat of a missing path succeeded")
	}
	assertEscaped(t, "an error", errs)

	// --json stays exact JSON: the name round-trips unchanged.
	var files []drive.File
	if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "drive", "ls", "/d")), &files); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range files {
		names[f.Name] = true
	}
	if len(files) != 2 || !names[evilName] || !names[evilName+".txt"] {
		t.Fatalf("--json drive ls = %+v, want two entries named %q", files, evilName)
	}
}

func TestRunsLogsEscapeControlChars(t *testing.T) {
	data := t.TempDir()
	startServeNode(t, data)
	in, _ := json.Marshal(map[string]any{"subject": evilName})
	id := strings.TrimSpace(mustWD(t, data, "trigger", "relay", "--entry", "run", "--input", string(in)))
	deadline := time.Now().Add(30 * time.Second)
	for {
		var rec runner.RunRecord
		if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "runs", "show", id)), &rec); err != nil {
			t.Fatal(err)
		}
		if isFinal(rec.Status) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s did not end: %+v", id, rec)
		}
		time.Sleep(50 * time.Millisecond)
	}
	assertEscaped(t, "runs logs", mustWD(t, data, "runs", "logs", id))
	if out := mustWD(t, data, "runs", "show", id); strings.ContainsAny(out, "\x1b\x07\r") {
		t.Errorf("runs show prints raw control characters: %q", out)
	}

	// --json keeps the line exact, and is NDJSON: every line of the output
	// is one whole JSON object (issue 15).
	out := mustWD(t, data, "--json", "runs", "logs", id)
	found := false
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var l runner.LogLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("--json runs logs line %d is not a JSON object (%v): %q", i+1, err, line)
		}
		found = found || l.Fields["subject"] == evilName
	}
	if !found {
		t.Fatalf("--json runs logs lacks the exact field %q:\n%s", evilName, out)
	}
}

func TestFormatLogLineEscapes(t *testing.T) {
	l := runner.LogLine{Time: time.Now(), Level: runner.LevelInfo, Source: "plugin", Msg: evilName,
		Fields: map[string]any{"k\n": "v\x1b[2J"}}
	got := formatLogLine(l, "15:04:05")
	assertEscaped(t, "a log line", got)
	if !strings.HasSuffix(got, ` k\n=v\x1b[2J`) {
		t.Fatalf("fields not escaped: %q", got)
	}
}

// TestFormatLogLineNumbers: numeric fields decoded from JSON (float64)
// print as the plugin wrote them, byte counts as integers (issue 15).
func TestFormatLogLineNumbers(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{float64(1048576), "1048576"},
		{float64(10000000), "10000000"},
		{float64(-3), "-3"},
		{0.5, "0.5"},
		{1e21, "1000000000000000000000"},
		{"1e6", "1e6"},
		{true, "true"},
	} {
		l := runner.LogLine{Time: time.Now(), Level: runner.LevelInfo, Source: "plugin", Msg: "backup done",
			Fields: map[string]any{"bytes": tc.v}}
		if got := formatLogLine(l, "15:04:05"); !strings.HasSuffix(got, " bytes="+tc.want) {
			t.Errorf("field %#v prints as %q, want suffix bytes=%s", tc.v, got, tc.want)
		}
	}
}
