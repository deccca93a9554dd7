package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in            []string
		globals, rest []string
		help          bool
	}{
		{in: []string{"serve", "--data", "X"}, globals: []string{"--data", "X"}, rest: []string{"serve"}},
		{in: []string{"runs", "list", "--json"}, globals: []string{"--json"}, rest: []string{"runs", "list"}},
		{in: []string{"--json", "runs", "list"}, globals: []string{"--json"}, rest: []string{"runs", "list"}},
		{in: []string{"-data=X", "drive", "ls", "-l", "--config", "c.yaml", "/a"}, globals: []string{"-data=X", "--config", "c.yaml"}, rest: []string{"drive", "ls", "-l", "/a"}},
		{in: []string{"drive", "search", "--limit", "5", "-v", "x"}, globals: []string{"-v"}, rest: []string{"drive", "search", "--limit", "5", "x"}},
		{in: []string{"drive", "rm", "--", "--json", "-v"}, rest: []string{"drive", "rm", "--", "--json", "-v"}},
		{in: []string{"drive", "put", "--json", "--", "--data", "/r"}, globals: []string{"--json"}, rest: []string{"drive", "put", "--", "--data", "/r"}},
		{in: []string{"runs", "list", "--help"}, rest: []string{"runs", "list"}, help: true},
		{in: []string{"-h"}, help: true},
		{in: []string{"run", "backup", "--data"}, globals: []string{"--data"}, rest: []string{"run", "backup"}},
	}
	for _, tt := range tests {
		g, r, h := splitArgs(tt.in)
		if !reflect.DeepEqual(g, tt.globals) || !reflect.DeepEqual(r, tt.rest) || h != tt.help {
			t.Errorf("splitArgs(%q) = %q, %q, %v; want %q, %q, %v", tt.in, g, r, h, tt.globals, tt.rest, tt.help)
		}
	}
}

// cli runs the CLI in-process with exactly args.
func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runMain(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestGlobalFlagsAfterCommand: --data and --json after the command apply.
func TestGlobalFlagsAfterCommand(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := cli("drive", "mkdir", "/after", "--config", "", "--data", data); code != 0 {
		t.Fatalf("drive mkdir --data after the command: exit %d: %s", code, errs)
	}
	code, out, errs := cli("drive", "ls", "/", "--json", "--data="+data, "--config=")
	if code != 0 {
		t.Fatalf("drive ls --json --data after the command: exit %d: %s", code, errs)
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 1 || entries[0]["name"] != "after" {
		t.Fatalf("drive ls --json: %v: %q", err, out)
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stdout
	}{
		{[]string{"--help"}, "commands:"},
		{[]string{"-h"}, "commands:"},
		{[]string{"help"}, "commands:"},
		{[]string{"help", "runs", "list"}, "usage: wasmdrive runs list"},
		{[]string{"runs", "list", "--help"}, "usage: wasmdrive runs list"},
		{[]string{"serve", "-h"}, "usage: wasmdrive serve"},
		{[]string{"help", "drive"}, "drive ls"},
		{[]string{"drive", "--help"}, "drive put"},
	}
	for _, tt := range tests {
		code, out, errs := cli(tt.args...)
		if code != 0 || !strings.Contains(out, tt.want) {
			t.Errorf("wasmdrive %s: exit %d, stdout %q (stderr %q); want exit 0 and %q", strings.Join(tt.args, " "), code, out, errs, tt.want)
		}
	}
}

func TestUnknownCommandSuggests(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"srve"}, `did you mean "serve"?`},
		{[]string{"drive", "lss"}, `did you mean "drive ls"?`},
		{[]string{"runz", "list"}, `did you mean "runs list"?`},
		{[]string{"help", "servr"}, `did you mean "serve"?`},
	}
	for _, tt := range tests {
		code, _, errs := cli(tt.args...)
		if code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("wasmdrive %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), code, errs, exitUsage, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, errs := cli("version", "--json")
	if code != 0 {
		t.Fatalf("version --json: exit %d: %s", code, errs)
	}
	var v buildVersion
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("version --json: %v: %q", err, out)
	}
	if v.GoVersion != runtime.Version() || v.Module == "" || v.Version == "" {
		t.Errorf("version --json = %+v; want go %s, a module and a version", v, runtime.Version())
	}
	if code, out, _ := cli("version"); code != 0 || !strings.Contains(out, runtime.Version()) {
		t.Errorf("version: exit %d, %q", code, out)
	}
}
