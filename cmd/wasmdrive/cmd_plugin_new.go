package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/build"
)

func init() {
	register(&command{name: "plugin new", usage: "NAME [--dir D]",
		summary: "scaffold a working plugin in D/NAME (main.go, plugin.yaml, and a go.mod outside a Go module)", run: runPluginNew})
}

var scaffoldNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

func runPluginNew(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("plugin new", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	dir := fs.String("dir", ".", "folder to create the plugin folder in")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errUsage
	}
	name := rest[0]
	if !scaffoldNameRE.MatchString(name) {
		return fmt.Errorf("plugin name %q must be lower-case letters, digits, '-' or '_', starting with a letter", name)
	}
	target := filepath.Join(*dir, name)
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("%s already exists; pick another name or --dir", target)
	}
	files, err := scaffold(name, target)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("plugin new: %w", err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(target, f.name), []byte(f.body), 0o644); err != nil {
			return fmt.Errorf("plugin new: %w", err)
		}
	}
	rel := target
	if !strings.ContainsRune(rel, filepath.Separator) {
		rel = "." + string(filepath.Separator) + rel // run takes a folder by its path
	}
	fmt.Fprintf(env.Stdout, "created %s\n  wasmdrive plugin build %s\n  wasmdrive run %s --input '{\"folder\":\"/\"}'\n", target, rel, rel)
	return nil
}

type scaffoldFile struct{ name, body string }

// scaffold returns the files of a new plugin. Inside a Go module (e.g. a
// wasmdrive checkout) the plugin is a package of it; elsewhere it gets its
// own go.mod pointing at the local wasmdrive source.
func scaffold(name, target string) ([]scaffoldFile, error) {
	files := []scaffoldFile{
		{"main.go", strings.ReplaceAll(scaffoldMain, "NAME", name)},
		{runner.ManifestFile, strings.ReplaceAll(scaffoldManifest, "NAME", name)},
	}
	parent, err := filepath.Abs(filepath.Dir(target))
	if err != nil {
		return nil, fmt.Errorf("plugin new: %w", err)
	}
	if _, err := build.FindModule(parent); err == nil {
		return files, nil
	}
	root, err := runner.SourceRoot()
	if err != nil {
		return nil, fmt.Errorf("plugin new: %s is not inside a Go module and %w: set %s to a wasmdrive checkout", target, err, runner.EnvSourceDir)
	}
	gomod := strings.NewReplacer("NAME", name, "SOURCE", root).Replace(scaffoldGoMod)
	files = append(files, scaffoldFile{"go.mod", gomod})
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("plugin new: %w", err)
	}
	if len(sum) > 0 {
		files = append(files, scaffoldFile{"go.sum", string(sum)})
	}
	return files, nil
}

const scaffoldMain = `//go:build wasip1

// Command NAME is a wasmdrive plugin. Build it with
//
//	wasmdrive plugin build .
//
// (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath), run
// one call with
//
//	wasmdrive run . --input '{"folder":"/"}'
//
// and list what it may do in plugin.yaml (capabilities:).
package main

import (
	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

// Config is the operator's configuration (plugin.yaml config:).
type Config struct {
	Greeting string ` + "`json:\"greeting\"`" + `
}

// Input is what a run passes to the entry point.
type Input struct {
	Folder string ` + "`json:\"folder\"`" + `
}

// Result is the entry point's output.
type Result struct {
	Greeting string ` + "`json:\"greeting\"`" + `
	Folder   string ` + "`json:\"folder\"`" + `
	Files    int    ` + "`json:\"files\"`" + `
	Folders  int    ` + "`json:\"folders\"`" + `
}

//go:wasmexport run
func run() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var cfg Config
		if err := sdk.ReadConfig(&cfg); err != nil {
			return nil, err
		}
		in := Input{Folder: "/"}
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		res := Result{Greeting: cfg.Greeting, Folder: in.Folder}
		for f, err := range sdk.ListAll(sdk.ListOptions{Path: in.Folder}) {
			if err != nil {
				return nil, err
			}
			if f.Type == "folder" {
				res.Folders++
			} else {
				res.Files++
			}
		}
		sdk.LogInfo("listed", "folder", in.Folder, "files", res.Files, "folders", res.Folders)
		return res, nil
	})
}
`

const scaffoldManifest = `# NAME: a wasmdrive plugin (see plugin.yaml reference in runner/manifest.go).
name: NAME
version: 0.1.0
description: Counts the files of a drive folder.
exports:
  - name: run
    description: 'count the files of {"folder": "/path"}'
# triggers:
#   - schedule: "0 3 * * *"      # cron, or @daily / @every 1h
#     timezone: Asia/Shanghai
#   - subject: wasmdrive.drive.*.file.>    # NATS subject (drive change events)
capabilities:
  functions: [drive.read]
  drive:
    read: ["/"]
config:
  greeting: {type: string, default: hello, description: a word to answer with}
limits:
  timeout: 30s
  max_instances: 2
`

const scaffoldGoMod = `// This plugin is its own Go module. It uses the wasmdrive SDK from the
// local checkout at SOURCE (the replace line below); to build it
// elsewhere, point the replace at your checkout, or drop it and require a
// published github.com/wasmdrive/wasmdrive version. go.sum was copied from
// the checkout; run "go mod tidy" after changing dependencies.
module wasmdrive.local/plugins/NAME

go 1.26.0

require github.com/wasmdrive/wasmdrive v0.0.0

require github.com/extism/go-pdk v1.1.3 // indirect

replace github.com/wasmdrive/wasmdrive => SOURCE
`
