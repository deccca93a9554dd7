package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// ErrNoToolchain means the go command is not available to build a plugin.
var ErrNoToolchain = errors.New("the Go toolchain (go) is not on PATH")

// Flags are the go build flags every plugin is built with; they are part of
// the source hash.
var Flags = []string{"-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// Builder builds plugin folders into CacheDir/<srchash>.wasm.
type Builder struct {
	// CacheDir holds built modules and lock files (e.g. DataDir/cache/build).
	CacheDir string
	// Go is the go command; "" looks it up on PATH.
	Go string
	// OnBuild, when set, is called with the plugin folder just before a
	// build that is not cached starts (serve prints a progress line).
	OnBuild func(dir string)

	once    sync.Once
	goPath  string
	goVer   string
	goErr   error
	mu      sync.Mutex // serialises builds of one hash inside the process
	running map[string]*sync.Mutex
}

// Result is a built (or cached) module.
type Result struct {
	Path       string // the .wasm file
	SourceHash string
	SHA256     string // of the .wasm bytes
	Cached     bool   // no build ran
}

// toolchain finds the go command and its version once.
func (b *Builder) toolchain(ctx context.Context) (string, string, error) {
	b.once.Do(func() {
		p := b.Go
		if p == "" {
			var err error
			if p, err = exec.LookPath("go"); err != nil {
				b.goErr = ErrNoToolchain
				return
			}
		}
		out, err := exec.CommandContext(ctx, p, "env", "GOVERSION").Output()
		if err != nil {
			b.goErr = fmt.Errorf("%w: `%s env GOVERSION`: %v", ErrNoToolchain, p, err)
			return
		}
		b.goPath, b.goVer = p, strings.TrimSpace(string(out))
	})
	return b.goPath, b.goVer, b.goErr
}

// Available reports whether builds can run (the go command works).
func (b *Builder) Available(ctx context.Context) error {
	_, _, err := b.toolchain(ctx)
	return err
}

// Hash returns the source hash of the Go package in dir without building.
func (b *Builder) Hash(ctx context.Context, dir string) (string, error) {
	_, ver, err := b.toolchain(ctx)
	if err != nil {
		return "", err
	}
	mod, err := FindModule(dir)
	if err != nil {
		return "", err
	}
	files, err := SourceFiles(dir, mod)
	if err != nil {
		return "", err
	}
	return SourceHash(mod.Root, files, append([]string{ver}, Flags...)...)
}

// Build returns the module built from the Go package in dir, from the cache
// when the source hash is already there.
func (b *Builder) Build(ctx context.Context, dir string) (*Result, error) {
	goBin, _, err := b.toolchain(ctx)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w: %s", dir, err, noToolchainAdvice(dir))
	}
	hash, err := b.Hash(ctx, dir)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(b.CacheDir, hash+".wasm")
	if r, err := cached(out, hash); err == nil {
		return r, nil
	}
	unlock, err := b.lock(ctx, hash)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if r, err := cached(out, hash); err == nil { // built while we waited
		return r, nil
	}
	if b.OnBuild != nil {
		b.OnBuild(dir)
	}
	tmp := filepath.Join(b.CacheDir, fmt.Sprintf(".%s.%d.tmp", hash, os.Getpid()))
	defer os.Remove(tmp)
	args := append([]string{"build"}, Flags...)
	args = append(args, "-o", tmp, ".")
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		out := strings.TrimSpace(stderr.String())
		return nil, fmt.Errorf("build %s: GOOS=wasip1 GOARCH=wasm go %s: %w\n%s%s", dir, strings.Join(args, " "), err, out, buildAdvice(dir, out))
	}
	if err := os.Chmod(tmp, private.FileMode); err != nil { // go build makes it 0755
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	r, err := cached(out, hash)
	if err != nil {
		return nil, err
	}
	r.Cached = false
	return r, nil
}

// noToolchainAdvice says what to do when the go command is missing, for
// the built-in plugins unpacked from the binary or for any other plugin.
func noToolchainAdvice(dir string) string {
	if mod, err := FindModule(dir); err == nil && fileExists(filepath.Join(mod.Root, UnpackedMarker)) {
		return "wasmdrive compiles its built-in plugins (backup, archive, cleanup) from the sources inside it, once, " +
			"which needs Go 1.26 or newer: install it from https://go.dev/dl (or your package manager), check that `go version` works " +
			"in the shell that starts wasmdrive, and run the command again; or turn the built-in plugins off with " +
			"plugins.disable_builtins: true (WASMDRIVE_PLUGINS__DISABLE_BUILTINS=true)"
	}
	return "install Go 1.26 or newer (https://go.dev/dl) and check that `go version` works, " +
		"or build the plugin on a machine that has Go with `wasmdrive plugin build DIR` and set wasm: in its plugin.yaml to the .wasm file"
}

// buildAdvice explains the build failures that are not the plugin's
// fault: a Go older than its go.mod asks for (builds run with
// GOTOOLCHAIN=local), or a module the go command could not download.
func buildAdvice(dir, out string) string {
	root := dir
	if mod, err := FindModule(dir); err == nil {
		root = mod.Root
	}
	switch {
	case strings.Contains(out, "requires go >="):
		return "\nThe Go on PATH is older than the plugin's go.mod requires: install a newer one from https://go.dev/dl and check `go version`."
	case strings.Contains(out, "replacement directory") && strings.Contains(out, "does not exist"):
		return fmt.Sprintf("\nA replace line of %s points at a folder that is gone (a cleared cache, another machine, or a newer wasmdrive). "+
			"For the wasmdrive SDK, run `cd %s && go mod edit -replace github.com/wasmdrive/wasmdrive=$(wasmdrive plugin sdk)`.", filepath.Join(root, "go.mod"), root)
	case strings.Contains(out, "module lookup disabled"), strings.Contains(out, "dial tcp"), strings.Contains(out, "no such host"):
		return fmt.Sprintf("\nThe build downloads the Go modules the plugin imports once; they are neither in the module cache nor reachable "+
			"through GOPROXY. With network access, run `cd %s && go mod download` (or leave GOPROXY at its default, https://proxy.golang.org) and try again.", root)
	}
	return ""
}

func cached(path, hash string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &Result{Path: path, SourceHash: hash, SHA256: hex.EncodeToString(sum[:]), Cached: true}, nil
}

// lock takes the in-process and the cross-process (flock) lock of one hash.
func (b *Builder) lock(ctx context.Context, hash string) (func(), error) {
	b.mu.Lock()
	if b.running == nil {
		b.running = map[string]*sync.Mutex{}
	}
	m := b.running[hash]
	if m == nil {
		m = &sync.Mutex{}
		b.running[hash] = m
	}
	b.mu.Unlock()
	m.Lock()
	if err := private.MkdirAll(b.CacheDir); err != nil {
		m.Unlock()
		return nil, fmt.Errorf("build cache: %w", err)
	}
	f, err := private.OpenFile(filepath.Join(b.CacheDir, hash+".lock"), os.O_CREATE|os.O_RDWR)
	if err != nil {
		m.Unlock()
		return nil, fmt.Errorf("build cache: %w", err)
	}
	if err := flock(ctx, f); err != nil {
		f.Close()
		m.Unlock()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		m.Unlock()
	}, nil
}

// flock takes an exclusive lock on f, giving up when ctx ends.
func flock(ctx context.Context, f *os.File) error {
	done := make(chan error, 1)
	go func() { done <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("build cache lock: %w", err)
		}
		return nil
	case <-ctx.Done():
		// The goroutine keeps waiting; closing f releases it (and the lock
		// once taken) because the caller closes f on error.
		return fmt.Errorf("build cache lock: %w", ctx.Err())
	}
}
