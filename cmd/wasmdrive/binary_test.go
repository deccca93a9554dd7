package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds builtBinary's output; TestMain removes it.
var binDir string

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// builtBinary is the wasmdrive binary, built once per test run for the
// tests that run it as a user would (outside any checkout).
var builtBinary = sync.OnceValues(func() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	if binDir, err = os.MkdirTemp("", "wasmdrive-bin-"); err != nil {
		return "", err
	}
	bin := filepath.Join(binDir, "wasmdrive")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: out}
	}
	return bin, nil
})

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + string(e.out) }

// installedBinary returns the go command and the built binary; it skips
// under -short (why names what the test builds) or without Go.
func installedBinary(t *testing.T, why string) (goBin, bin string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH; " + why + " needs it")
	}
	bin, err = builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	return goBin, bin
}
