package contract

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeaf: the contracts import the standard library only, so every
// package can use them without an import cycle or linking the plugin host.
func TestLeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
			t.Errorf("runner/contract imports %s; it must stay a leaf (standard library only)", p)
		}
	}
}
