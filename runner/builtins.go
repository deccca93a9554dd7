package runner

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ModulePath is this repository's Go module.
const ModulePath = "github.com/wasmdrive/wasmdrive"

// EnvSourceDir names a checkout of this repository; it wins over the search
// in SourceRoot.
const EnvSourceDir = "WASMDRIVE_SOURCE"

// ErrNoSource means the repository checkout (and so the built-in plugins'
// sources) could not be found.
var ErrNoSource = errors.New("the wasmdrive source tree was not found")

// SourceRoot finds the root of a wasmdrive checkout: $WASMDRIVE_SOURCE, then
// the working folder and its parents, then the executable's folder and its
// parents, then the folder this file was compiled from (builds without
// -trimpath). The built-in plugins are Go packages of the main module, so
// building them needs the module root, not just their folders.
//
// A binary installed with `go install` and run away from a checkout finds
// none: set WASMDRIVE_SOURCE to a checkout, or point plugins.dirs at
// plugin folders holding prebuilt .wasm files.
func SourceRoot() (string, error) {
	var starts []string
	if d := os.Getenv(EnvSourceDir); d != "" {
		starts = append(starts, d)
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		starts = append(starts, filepath.Dir(exe))
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, s := range starts {
		for d := s; ; d = filepath.Dir(d) {
			if isSourceRoot(d) {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", ErrNoSource
}

func isSourceRoot(d string) bool {
	b, err := os.ReadFile(filepath.Join(d, "go.mod"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(first) == "module "+ModulePath
}

// BuiltinDir is the folder of the built-in plugins (plugins/ of the checkout).
func BuiltinDir() (string, error) {
	root, err := SourceRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "plugins"), nil
}
