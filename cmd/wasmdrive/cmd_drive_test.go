package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// wd runs the CLI in process against data dir and returns the exit code,
// stdout and stderr.
func wd(t *testing.T, data string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runMain(append([]string{"--config", "", "--data", data}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// mustWD runs the CLI and fails the test on a non-zero exit.
func mustWD(t *testing.T, data string, args ...string) string {
	t.Helper()
	code, out, errs := wd(t, data, args...)
	if code != 0 {
		t.Fatalf("wasmdrive %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

func TestDriveCLIRoundTrip(t *testing.T) {
	data := t.TempDir()
	src := t.TempDir()
	tree := map[string]string{
		"proj/a.txt":       "alpha",
		"proj/sub/b.txt":   strings.Repeat("b", 5000),
		"proj/sub/c/d.bin": "dddd",
	}
	for p, content := range tree {
		full := filepath.Join(src, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := mustWD(t, data, "drive", "put", filepath.Join(src, "proj"), "/backup")
	if !strings.Contains(out, "uploaded 3 of 3 files") {
		t.Fatalf("put: %s", out)
	}
	if out := mustWD(t, data, "drive", "ls", "/backup/proj"); out != "a.txt\nsub/\n" {
		t.Fatalf("ls: %q", out)
	}
	var files []drive.File
	if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "drive", "tree", "/backup")), &files); err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 {
		t.Fatalf("tree has %d entries: %+v", len(files), files)
	}
	dst := t.TempDir()
	mustWD(t, data, "drive", "get", "/backup/proj", dst)
	for p, content := range tree {
		b, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(p)))
		if err != nil || string(b) != content {
			t.Fatalf("get %s: %v %q", p, err, b)
		}
	}
	if out := mustWD(t, data, "drive", "get", "/backup/proj/sub/b.txt", "-"); out != tree["proj/sub/b.txt"] {
		t.Fatalf("get to stdout: %d bytes", len(out))
	}
	// a second put of the same file is refused, --overwrite replaces it
	if code, _, errs := wd(t, data, "drive", "put", filepath.Join(src, "proj", "a.txt"), "/backup/proj"); code != exitExists || !strings.Contains(errs, "overwrite") {
		t.Fatalf("put again: exit %d, %s", code, errs)
	}
	mustWD(t, data, "drive", "put", "--overwrite", filepath.Join(src, "proj", "a.txt"), "/backup/proj")
}

func TestDriveCLIOps(t *testing.T) {
	data := t.TempDir()
	mustWD(t, data, "drive", "mkdir", "-p", "/x/y")
	mustWD(t, data, "drive", "mkdir", "/x/z")
	if code, _, _ := wd(t, data, "drive", "mkdir", "/x/z"); code != exitExists {
		t.Fatalf("mkdir existing: exit %d", code)
	}
	f := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(f, []byte("%PDF"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustWD(t, data, "drive", "put", f, "/x/y")
	mustWD(t, data, "drive", "cp", "/x/y/report.pdf", "/x/z")
	mustWD(t, data, "drive", "mv", "/x/z/report.pdf", "/x/z/renamed.pdf")
	mustWD(t, data, "drive", "mv", "/x/z/renamed.pdf", "/x")
	if out := mustWD(t, data, "drive", "ls", "/x"); out != "renamed.pdf\ny/\nz/\n" {
		t.Fatalf("ls /x: %q", out)
	}
	if out := mustWD(t, data, "drive", "search", "report"); !strings.Contains(out, "report.pdf") {
		t.Fatalf("search: %q", out)
	}
	mustWD(t, data, "drive", "rm", "/x/renamed.pdf")
	if code, _, _ := wd(t, data, "drive", "stat", "/x/renamed.pdf"); code != exitNotFound {
		t.Fatalf("stat trashed: exit %d", code)
	}
	if out := mustWD(t, data, "drive", "restore", "--list"); !strings.Contains(out, "renamed.pdf") {
		t.Fatalf("trash: %q", out)
	}
	mustWD(t, data, "drive", "restore", "renamed.pdf")
	mustWD(t, data, "drive", "stat", "/x/renamed.pdf")
	var s drive.Share
	if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "drive", "share", "--password", "1234", "--expire", "2d", "/x/y")), &s); err != nil {
		t.Fatal(err)
	}
	if s.ShareID == "" || s.Password != "1234" || s.Expiration.IsZero() {
		t.Fatalf("share %+v", s)
	}
	out := mustWD(t, data, "drive", "request", "/adrive/v1.0/openFile/get_by_path", `{"file_path":"/x/y/report.pdf"}`)
	if !strings.Contains(out, `"name": "report.pdf"`) {
		t.Fatalf("request: %s", out)
	}
	if out := mustWD(t, data, "--json", "drive", "usage"); !strings.Contains(out, `"used_size": 8`) {
		t.Fatalf("usage: %s", out)
	}
}

func TestDriveCLIErrors(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"drive", "stat"}, 2, "usage"},
		{[]string{"drive", "stat", "/missing"}, exitNotFound, "not found"},
		{[]string{"drive", "ls", "--account", "nope", "/"}, 1, `no account named "nope"`},
		{[]string{"drive", "put", "/no/such/local/file", "/"}, exitNotFound, "no such file"},
		{[]string{"drive", "request", "/x", "{bad"}, exitInvalid, "not valid JSON"},
		{[]string{"drive", "rm", "/"}, exitInvalid, "root"},
		{[]string{"drive", "share", "--expire", "soon", "/"}, 2, "usage"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errs := wd(t, data, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.msg) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errs, tt.msg)
			}
		})
	}
}

func TestParseInterspersed(t *testing.T) {
	env := &cliEnv{Stderr: &bytes.Buffer{}}
	fs, acct := newDriveFlags(env, "x")
	over := fs.Bool("overwrite", false, "")
	pos, err := parseInterspersed(fs, []string{"a", "--account", "w", "b", "--overwrite", "--", "--c"})
	if err != nil || *acct != "w" || !*over || strings.Join(pos, ",") != "a,b,--c" {
		t.Fatalf("pos %v acct %q over %v err %v", pos, *acct, *over, err)
	}
}
