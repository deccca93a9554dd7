package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// readmeExitCodes parses the README's exit code table: class -> code.
func readmeExitCodes(t *testing.T) map[string]int {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| *(\d+) *\| *([^|]+?) *\|`)
	codes := map[string]int{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[1])
		codes[m[2]] = n
	}
	if len(codes) < 10 {
		t.Fatalf("README exit code table: found %d rows: %v", len(codes), codes)
	}
	return codes
}

// readmeCode returns the README's code for the class that starts with prefix.
func readmeCode(t *testing.T, codes map[string]int, prefix string) int {
	t.Helper()
	for class, n := range codes {
		if strings.HasPrefix(class, prefix) {
			return n
		}
	}
	t.Fatalf("README exit code table has no class %q: %v", prefix, codes)
	return -1
}

// fileID matches a local drive file id.
var fileID = regexp.MustCompile(`\b[0-9a-f]{32}\b`)

// TestExitCodes runs one command of each class on a fresh data folder and
// checks the exit code against the README table; the error is printed
// once and names the drive path, not a file id.
func TestExitCodes(t *testing.T) {
	codes := readmeExitCodes(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "c.yaml")
	yaml := fmt.Sprintf("data_dir: %s\naccounts:\n  default: {type: local}\n  tiny: {type: local, quota_bytes: 3}\n  work: {type: aliyun, client_id: x, client_secret: y}\n", data)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(src, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		var out, errb strings.Builder
		code := runMain(append([]string{"--config", cfg}, args...), &out, &errb)
		return code, errb.String()
	}
	if code, errs := run("drive", "mkdir", "-p", "/a/b"); code != 0 {
		t.Fatalf("drive mkdir -p /a/b: exit %d: %s", code, errs)
	}
	tests := []struct {
		class string // prefix of the README class
		args  []string
		want  string // in stderr
	}{
		{"usage", []string{"drive", "mv", "/a"}, "usage: wasmdrive drive mv"},
		{"usage", []string{"drive", "mv", "/a", "/a/b"}, "choose a destination outside /a"},
		{"usage", []string{"nosuchcommand"}, "unknown command"},
		{"not found", []string{"drive", "stat", "/nope"}, "/nope"},
		{"not found", []string{"drive", "rm", "/nope"}, "rm /nope"},
		{"not found", []string{"runs", "show", "nope"}, "run not found"},
		{"not found", []string{"runs", "cancel", "nope"}, "run not found"},
		{"not found", []string{"run", "nope"}, "unknown plugin"},
		{"not found", []string{"drive", "put", filepath.Join(dir, "missing.txt"), "/"}, "missing.txt"},
		{"permission", []string{"drive", "ls", "--account", "work"}, "wasmdrive login --account work"},
		{"conflict", []string{"drive", "mkdir", "/a"}, "mkdir /a"},
		{"quota", []string{"drive", "put", "--account", "tiny", src, "/"}, "quota"},
	}
	for _, tt := range tests {
		want := readmeCode(t, codes, tt.class)
		code, errs := run(tt.args...)
		if code != want || !strings.Contains(errs, tt.want) {
			t.Errorf("wasmdrive %s: exit %d, stderr %q; want exit %d (%s) and %q", strings.Join(tt.args, " "), code, errs, want, tt.class, tt.want)
		}
		if fileID.MatchString(errs) || strings.Count(errs, "NotFound.File") > 1 {
			t.Errorf("wasmdrive %s: error printed twice or citing a file id: %q", strings.Join(tt.args, " "), errs)
		}
	}
}

// TestExitCodeClasses maps each drive error class (the ones a local
// drive cannot produce on demand) to the README's code.
func TestExitCodeClasses(t *testing.T) {
	codes := readmeExitCodes(t)
	tests := []struct {
		class string
		err   error
	}{
		{"rate limited", fmt.Errorf("ls /: %w", &drive.Error{Status: 429, Code: drive.CodeTooManyRequests})},
		{"unsupported", fmt.Errorf("x: %w", drive.ErrUnsupported)},
		{"unavailable", fmt.Errorf("x: %w", &drive.Error{Status: 503, Code: drive.CodeServiceUnavailable})},
		{"permission", fmt.Errorf("x: %w", &drive.Error{Status: 401, Code: drive.CodeAccessTokenInvalid})},
		{"conflict", fmt.Errorf("x: %w", &drive.Error{Status: 409, Code: drive.CodeAlreadyExist})},
		{"usage", drive.Invalid("bad name")},
		{"not found", fmt.Errorf("x: %w", os.ErrNotExist)},
	}
	for _, tt := range tests {
		if got, want := exitCode(tt.err), readmeCode(t, codes, tt.class); got != want {
			t.Errorf("exitCode(%v) = %d, want %d (%s)", tt.err, got, want, tt.class)
		}
	}
}
