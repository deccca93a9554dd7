package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestProductBinaryLinksNoBenchHarness: the wasmdrive binary links neither
// the benchmark harness (package bench, run by cmd/wasmdrive-bench) nor the
// browser driver the console benchmark uses (chromedp).
func TestProductBinaryLinksNoBenchHarness(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH; go list -deps needs it")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	var bad []string
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "chromedp") || pkg == "github.com/wasmdrive/wasmdrive/bench" ||
			strings.HasPrefix(pkg, "github.com/wasmdrive/wasmdrive/bench/") {
			bad = append(bad, pkg)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("cmd/wasmdrive links test/benchmark harness packages (move them to cmd/wasmdrive-bench):\n%s", strings.Join(bad, "\n"))
	}
}

// TestBenchCommandSaysWhereTheHarnessIs: `wasmdrive bench` fails with the
// unsupported exit code and gives the command to run, keeping the
// arguments (quoted for a shell).
func TestBenchCommandSaysWhereTheHarnessIs(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"bench", "--quick", "--only", "built-in plugins"}, &stdout, &stderr)
	if code != exitUnsupported {
		t.Errorf("exit code %d, want %d (unsupported); stderr: %s", code, exitUnsupported, stderr.String())
	}
	want := "go run ./cmd/wasmdrive-bench --quick --only 'built-in plugins'"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q does not name %q", stderr.String(), want)
	}
}
