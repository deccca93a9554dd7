package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestJSONOnEmptyDataDir runs every listing command with --json on a fresh
// data folder: each prints valid JSON, and a list is [] (not null).
func TestJSONOnEmptyDataDir(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		args []string
		list bool // the output is a JSON array
	}{
		{[]string{"drive", "ls"}, true},
		{[]string{"drive", "ls", "-l", "/"}, true},
		{[]string{"drive", "tree", "/"}, true},
		{[]string{"drive", "search", "nothing"}, true},
		{[]string{"drive", "restore", "--list"}, true},
		{[]string{"runs", "list"}, true},
		{[]string{"runs", "list", "--status", "failed"}, true},
		{[]string{"drive", "usage"}, false},
		{[]string{"drive", "stat", "/"}, false},
		{[]string{"version"}, false},
	}
	for _, tt := range tests {
		code, out, errs := wd(t, data, append(tt.args, "--json")...)
		if code != 0 {
			t.Errorf("wasmdrive %s --json: exit %d: %s", strings.Join(tt.args, " "), code, errs)
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("wasmdrive %s --json: not JSON: %v: %q", strings.Join(tt.args, " "), err, out)
			continue
		}
		if _, isList := v.([]any); tt.list && !isList {
			t.Errorf("wasmdrive %s --json = %s; want a JSON array ([] when empty)", strings.Join(tt.args, " "), strings.TrimSpace(out))
		}
	}
}
