package runner

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/wasmdrive/wasmdrive"
	"github.com/wasmdrive/wasmdrive/runner/build"
)

// SDKModule is a folder holding module ModulePath with its sdk packages,
// for a plugin module's `replace github.com/wasmdrive/wasmdrive => Root`.
type SDKModule struct {
	Root string
	// Embedded: Root is the copy of the sdk embedded in this binary (its
	// go.mod requires only what the sdk imports), not a checkout.
	Embedded bool
}

// SDKRoot finds the wasmdrive module a plugin outside any checkout builds
// against: the checkout (SourceRoot) when there is one, so that sdk edits
// are what plugins get; otherwise the sdk sources embedded in this binary,
// unpacked once under cacheDir/src (build.Unpack). The unpacked tree holds
// only go.mod, go.sum and sdk/..., and its go.mod keeps only the modules
// the sdk imports (github.com/extism/go-pdk): a plugin requiring it never
// sees the host's dependencies. A wrong $WASMDRIVE_SOURCE is an error.
func SDKRoot(cacheDir string) (SDKModule, error) {
	if root, err := SourceRoot(); err == nil {
		return SDKModule{Root: root}, nil
	} else if os.Getenv(EnvSourceDir) != "" {
		return SDKModule{}, err
	}
	root, err := build.Unpack(sdkFS{wasmdrive.BuiltinSources}, filepath.Join(cacheDir, "src"))
	if err != nil {
		return SDKModule{}, fmt.Errorf("plugin sdk: %w", err)
	}
	return SDKModule{Root: root, Embedded: true}, nil
}

// sdkFS shows only the module's go.mod, go.sum and sdk/ tree of fsys.
type sdkFS struct{ fsys fs.FS }

// sdkTop are the root entries sdkFS keeps.
var sdkTop = map[string]bool{"go.mod": true, "go.sum": true, "sdk": true}

func (s sdkFS) visible(name string) bool {
	if name == "." {
		return true
	}
	top, _, _ := strings.Cut(name, "/")
	return sdkTop[top]
}

// Open opens name if it is part of the sdk tree.
func (s sdkFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if !s.visible(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return s.fsys.Open(name)
}

// ReadDir lists name's entries that are part of the sdk tree.
func (s sdkFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) || !s.visible(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	ents, err := fs.ReadDir(s.fsys, name)
	if err != nil {
		return nil, err
	}
	out := ents[:0:0]
	for _, e := range ents {
		if s.visible(path.Join(name, e.Name())) {
			out = append(out, e)
		}
	}
	return out, nil
}
