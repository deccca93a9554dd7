package main

import (
	"strings"
	"testing"
)

// TestTriggerRefusesUnknownNamesWithoutNode is issue 14 #4: with no node
// running, `trigger` checks the plugin and entry against the plugins'
// manifests, so a typo fails at once instead of a run that is queued to
// fail on a node later.
func TestTriggerRefusesUnknownNamesWithoutNode(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"trigger", "backup", "--entry", "nosuch"}, []string{`unknown entry "nosuch" of plugin backup`, "backup"}},
		{[]string{"trigger", "nosuchplugin"}, []string{`unknown plugin "nosuchplugin"`, "backup"}},
	} {
		code, out, errs := wd(t, data, tc.args...)
		if code == 0 {
			t.Fatalf("wasmdrive %s: exit 0 (queued %s)", strings.Join(tc.args, " "), out)
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Fatalf("wasmdrive %s: stderr %q, want %q", strings.Join(tc.args, " "), errs, w)
			}
		}
	}
	if out := mustWD(t, data, "--json", "runs", "list"); strings.Contains(out, `"id"`) {
		t.Fatalf("runs queued by refused triggers:\n%s", out)
	}
}
