package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmdrive/wasmdrive"
	"github.com/wasmdrive/wasmdrive/runner/build"
)

// ModulePath is this repository's Go module.
const ModulePath = "github.com/wasmdrive/wasmdrive"

// EnvSourceDir names a checkout of this repository; it wins over the search
// in SourceRoot.
const EnvSourceDir = "WASMDRIVE_SOURCE"

// ErrNoSource means no checkout of the repository was found.
var ErrNoSource = errors.New("the wasmdrive source tree was not found")

// SourceRoot finds the root of a wasmdrive checkout: $WASMDRIVE_SOURCE, then
// the working folder and its parents, then the executable's folder and its
// parents. A binary installed with `go install` and run away from a
// checkout finds none; BuiltinDir then uses the sources embedded in it.
func SourceRoot() (string, error) {
	var starts []string
	if d := os.Getenv(EnvSourceDir); d != "" {
		if !isSourceRoot(d) {
			return "", fmt.Errorf("%w: %s=%s holds no go.mod of module %s", ErrNoSource, EnvSourceDir, d, ModulePath)
		}
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

// BuiltinDir returns the folder holding the built-in plugins, one
// sub-folder each. Inside a checkout (SourceRoot) it is the checkout's
// plugins/, so a developer's edits are what gets built. Anywhere else it is
// the copy of their sources embedded in this binary, unpacked once under
// cacheDir/src (build.Unpack): an installed binary needs only the Go
// toolchain, in any folder.
func BuiltinDir(cacheDir string) (string, error) {
	if root, err := SourceRoot(); err == nil {
		return filepath.Join(root, "plugins"), nil
	} else if os.Getenv(EnvSourceDir) != "" {
		return "", err // a wrong WASMDRIVE_SOURCE is a mistake to report, not to paper over
	}
	root, err := build.Unpack(wasmdrive.BuiltinSources, filepath.Join(cacheDir, "src"))
	if err != nil {
		return "", fmt.Errorf("built-in plugins: %w", err)
	}
	return filepath.Join(root, "plugins"), nil
}
