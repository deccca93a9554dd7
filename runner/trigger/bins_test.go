package trigger

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// lookBin finds a test binary on PATH or in $GOPATH/bin (where
// `go install` puts nats-server and natscli; .ci/run installs them) and
// skips the test when it is absent.
func lookBin(t *testing.T, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	p := filepath.Join(gopath, "bin", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	t.Skipf("%s not found on PATH or in $GOPATH/bin; install it with: go install %s", name, install)
	return ""
}
