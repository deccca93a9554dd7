// Package testbin finds the external programs some tests run (nats-server,
// natscli) and skips those tests, saying how to install the program, when it
// is absent. .ci/run installs them, so CI never skips.
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Install commands of the programs tests use.
const (
	NATSServer = "github.com/nats-io/nats-server/v2@v2.15.2"
	NATSCLI    = "github.com/nats-io/natscli/nats@v0.5.0"
)

// Find returns the path of name on PATH or in $GOPATH/bin (where `go
// install` puts it), or an error.
func Find(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(gopath, "bin", name)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// Look is Find for tests: it skips t when name is absent, naming the
// `go install` command (install) that brings it.
func Look(t testing.TB, name, install string) string {
	t.Helper()
	p, err := Find(name)
	if err != nil {
		t.Skipf("%s not found on PATH or in $GOPATH/bin; install it with: go install %s", name, install)
	}
	return p
}
