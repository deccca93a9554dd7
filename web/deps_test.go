package web

import (
	"os/exec"
	"strings"
	"testing"
)

// TestConsoleLinksNoPluginHost: the console needs the run contracts only
// (runner/contract), not the plugin host, so it must not link wazero, the
// runner or the host functions (issue 14: web used to compile all of them).
func TestConsoleLinksNoPluginHost(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	banned := []string{"github.com/tetratelabs/wazero", "github.com/extism/", "github.com/wasmdrive/wasmdrive/runner", "github.com/wasmdrive/wasmdrive/hostfuncs"}
	for _, p := range strings.Fields(string(out)) {
		for _, b := range banned {
			if strings.HasPrefix(p, b) && p != "github.com/wasmdrive/wasmdrive/runner/contract" {
				t.Errorf("web links %s; use the types of runner/contract instead", p)
			}
		}
	}
}
