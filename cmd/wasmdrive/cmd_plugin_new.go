package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/build"
)

func init() {
	register(&command{name: "plugin new", usage: "NAME [--dir D]",
		summary: "scaffold a working plugin in D/NAME (main.go, plugin.yaml, and a go.mod outside a Go module)", run: runPluginNew})
	register(&command{name: "plugin sdk", usage: "",
		summary: "print the folder of the wasmdrive module plugins build against (a checkout, or the sdk in this binary)", run: runPluginSDK})
}

// runPluginSDK prints the folder a plugin's go.mod replaces
// github.com/wasmdrive/wasmdrive with, unpacking the embedded sdk if need be.
func runPluginSDK(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 0 {
		return errUsage
	}
	cacheDir, err := sdkCacheDir(env)
	if err != nil {
		return err
	}
	sdk, err := runner.SDKRoot(cacheDir)
	if err != nil {
		return fmt.Errorf("plugin sdk: %w", err)
	}
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"module": runner.ModulePath, "dir": sdk.Root, "embedded": sdk.Embedded})
	}
	fmt.Fprintln(env.Stdout, sdk.Root)
	return nil
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
	files, err := scaffold(env, name, target)
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

// scaffold returns the files of a new plugin. Inside a Go module that
// uses wasmdrive (a checkout, or an author's module requiring it) the
// plugin is a package of it. Elsewhere it is a module of its own whose
// go.mod replaces github.com/wasmdrive/wasmdrive with a local copy
// (runner.SDKRoot): the checkout when there is one, else the sdk sources
// embedded in this binary, unpacked under the user's cache folder, so
// only the Go toolchain is needed.
func scaffold(env *cliEnv, name, target string) ([]scaffoldFile, error) {
	files := []scaffoldFile{
		{"main.go", strings.ReplaceAll(scaffoldMain, "NAME", name)},
		{runner.ManifestFile, strings.ReplaceAll(scaffoldManifest, "NAME", name)},
	}
	parent, err := filepath.Abs(filepath.Dir(target))
	if err != nil {
		return nil, fmt.Errorf("plugin new: %w", err)
	}
	if mod, err := build.FindModule(parent); err == nil && usesWasmdrive(mod.Root) {
		return files, nil
	}
	cacheDir, err := sdkCacheDir(env)
	if err != nil {
		return nil, err
	}
	sdk, err := runner.SDKRoot(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("plugin new: %w: set %s to a wasmdrive checkout, or unset it to use the sdk in this binary", err, runner.EnvSourceDir)
	}
	gomod, gosum, err := pluginModule(name, sdk)
	if err != nil {
		return nil, err
	}
	files = append(files, scaffoldFile{"go.mod", gomod})
	if gosum != "" {
		files = append(files, scaffoldFile{"go.sum", gosum})
	}
	return files, nil
}

// buildCacheDir is where `plugin build` caches modules: the data folder's
// build cache when --data or data_dir names one, else the user's cache
// folder (a temp folder without one). A tooling command never creates
// ./wasmdrive-data where the user stands (issue 15).
func buildCacheDir(env *cliEnv) (string, error) {
	cfg, err := loadConfig(env)
	if err != nil {
		return "", err
	}
	if def, _ := filepath.Abs(config.Default().DataDir); env.DataDir != "" || cfg.DataDir != def {
		return filepath.Join(cfg.DataDir, "cache", "build"), nil
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "wasmdrive", "build"), nil
	}
	return filepath.Join(os.TempDir(), "wasmdrive-build"), nil
}

// sdkCacheDir is where the embedded sdk is unpacked: the user's cache
// folder, which outlives any one data folder (a plugin's go.mod points
// there), or else the data folder's build cache.
func sdkCacheDir(env *cliEnv) (string, error) {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "wasmdrive"), nil
	}
	return buildCacheDir(env)
}

// sdkDeps are the modules the sdk imports besides the standard library (a
// test in sdk enforces it); a plugin module requires them as indirect.
var sdkDeps = []string{"github.com/extism/go-pdk"}

// pluginModule writes the go.mod and go.sum of a plugin module named name
// that builds against sdk. Versions come from sdk's go.mod. An embedded
// sdk's go.sum is reduced to the sdk's dependencies; a checkout's is
// copied whole (its go.mod, which the plugin's graph reads, lists all the
// host's modules).
func pluginModule(name string, sdk runner.SDKModule) (gomod, gosum string, err error) {
	hostMod, err := os.ReadFile(filepath.Join(sdk.Root, "go.mod"))
	if err != nil {
		return "", "", fmt.Errorf("plugin new: %w", err)
	}
	goLine, reqs := parseGoMod(string(hostMod))
	if goLine == "" {
		goLine = "go 1.26.0"
	}
	var indirect strings.Builder
	for _, m := range sdkDeps {
		v, ok := reqs[m]
		if !ok {
			return "", "", fmt.Errorf("plugin new: %s/go.mod does not require %s, which the sdk imports", sdk.Root, m)
		}
		fmt.Fprintf(&indirect, "require %s %s // indirect\n", m, v)
	}
	how := scaffoldCheckoutNote
	if sdk.Embedded {
		how = scaffoldEmbeddedNote
	}
	gomod = strings.Replace(scaffoldGoMod, "NOTE", how, 1)
	gomod = strings.NewReplacer("NAME", name, "GOLINE", goLine, "INDIRECT", indirect.String(),
		"MODULE", runner.ModulePath, "SOURCE", sdk.Root).Replace(gomod)
	sum, err := os.ReadFile(filepath.Join(sdk.Root, "go.sum"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", "", fmt.Errorf("plugin new: %w", err)
	}
	if !sdk.Embedded {
		return gomod, string(sum), nil
	}
	var kept strings.Builder
	for _, line := range strings.SplitAfter(string(sum), "\n") {
		if f := strings.Fields(line); len(f) == 3 && slices.Contains(sdkDeps, f[0]) {
			kept.WriteString(line)
		}
	}
	return gomod, kept.String(), nil
}

// parseGoMod returns a go.mod's go line and its requirements (path to
// version).
func parseGoMod(gomod string) (goLine string, reqs map[string]string) {
	reqs = map[string]string{}
	inRequire := false
	for _, raw := range strings.Split(gomod, "\n") {
		line, _, _ := strings.Cut(raw, "//")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case inRequire && f[0] == ")":
			inRequire = false
		case inRequire && len(f) >= 2:
			reqs[f[0]] = f[1]
		case f[0] == "go" && len(f) == 2:
			goLine = "go " + f[1]
		case f[0] == "require" && len(f) == 2 && f[1] == "(":
			inRequire = true
		case f[0] == "require" && len(f) >= 3:
			reqs[f[1]] = f[2]
		}
	}
	return goLine, reqs
}

// usesWasmdrive reports whether the module at root is wasmdrive or
// requires it, so a plugin can be one of its packages.
func usesWasmdrive(root string) bool {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return false
	}
	if isMod, _, _ := strings.Cut(string(b), "\n"); strings.TrimSpace(isMod) == "module "+runner.ModulePath {
		return true
	}
	_, reqs := parseGoMod(string(b))
	_, ok := reqs[runner.ModulePath]
	return ok
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

const scaffoldManifest = `# NAME: a wasmdrive plugin (plugin.yaml keys: sdk/ABI.md, section Manifest).
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

const scaffoldGoMod = `// This plugin is its own Go module. NOTE
//
// Run "go mod tidy" after adding dependencies.
module wasmdrive.local/plugins/NAME

GOLINE

require MODULE v0.0.0

INDIRECT
replace MODULE => SOURCE
`

// scaffoldEmbeddedNote explains a replace to the sdk unpacked from the
// binary.
const scaffoldEmbeddedNote = `It builds against the
// wasmdrive SDK that came with the wasmdrive binary, unpacked in the folder
// the replace line below names. That copy's go.mod requires only what the
// SDK imports, so none of the host's dependencies are fetched. If the
// folder is gone (a cleared cache, another machine, a newer wasmdrive),
// point the replace at the current one:
//
//	go mod edit -replace MODULE=$(wasmdrive plugin sdk)`

// scaffoldCheckoutNote explains a replace to a wasmdrive checkout.
const scaffoldCheckoutNote = `It builds against the
// wasmdrive SDK of the checkout the replace line below names, so SDK edits
// there reach it (go.sum was copied from it). To build it elsewhere, point
// the replace at another checkout, or at the SDK in the wasmdrive binary:
//
//	go mod edit -replace MODULE=$(wasmdrive plugin sdk)`
