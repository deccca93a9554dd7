package build

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const echoDir = "../testdata/plugins/echo"

func needGo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; plugin builds need it")
	}
}

// copyPlugin copies the echo plugin to a fresh folder inside this module
// (builds need the module root), so a test can edit it.
func copyPlugin(t *testing.T) string {
	t.Helper()
	os.MkdirAll("testdata", 0o755)
	dir, err := os.MkdirTemp("testdata", "plugin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, n := range []string{"main.go", "plugin.yaml"} {
		b, err := os.ReadFile(filepath.Join(echoDir, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildReproducibleAndCached(t *testing.T) {
	needGo(t)
	ctx := context.Background()
	b1 := &Builder{CacheDir: t.TempDir()}
	r1, err := b1.Build(ctx, echoDir)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Cached || filepath.Base(r1.Path) != r1.SourceHash+".wasm" {
		t.Fatalf("first build = %+v", r1)
	}
	again, err := b1.Build(ctx, echoDir)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.SHA256 != r1.SHA256 {
		t.Fatalf("second build = %+v, want a cache hit of %s", again, r1.SHA256)
	}
	// A fresh cache rebuilds; -trimpath makes the bytes identical (the
	// package's import path is part of them, so the folder must be the same).
	b2 := &Builder{CacheDir: t.TempDir()}
	r2, err := b2.Build(ctx, echoDir)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Cached || r2.SHA256 != r1.SHA256 {
		t.Fatalf("rebuild sha256 %s (cached %v), want %s", r2.SHA256, r2.Cached, r1.SHA256)
	}
}

func TestBuildConcurrentBuildsOnce(t *testing.T) {
	needGo(t)
	b := &Builder{CacheDir: t.TempDir()}
	dir := copyPlugin(t)
	var wg sync.WaitGroup
	res := make([]*Result, 3)
	errs := make([]error, 3)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = b.Build(context.Background(), dir)
		}()
	}
	wg.Wait()
	built := 0
	for i := range res {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !res[i].Cached {
			built++
		}
	}
	if built != 1 {
		t.Fatalf("%d builds ran, want 1", built)
	}
}

func TestHashChangesWithSource(t *testing.T) {
	needGo(t)
	ctx := context.Background()
	b := &Builder{CacheDir: t.TempDir()}
	dir := copyPlugin(t)
	h1, err := b.Hash(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// The manifest and docs do not count; the source does.
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("docs"), 0o644)
	os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte("changed"), 0o644)
	if h, _ := b.Hash(ctx, dir); h != h1 {
		t.Fatal("docs changed the source hash")
	}
	src, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.Replace(string(src), `"v1"`, `"v2"`, 1)), 0o644)
	if h, _ := b.Hash(ctx, dir); h == h1 {
		t.Fatal("a source change kept the hash")
	}
}

func TestSourceFilesFollowsModuleImports(t *testing.T) {
	mod, err := FindModule(echoDir)
	if err != nil {
		t.Fatal(err)
	}
	if mod.Path != "github.com/wasmdrive/wasmdrive" {
		t.Fatalf("module = %+v", mod)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/p\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nimport _ \"example.com/p/lib\"\nimport _ \"fmt\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main_test.go"), []byte("package main\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lib", "lib.go"), []byte("package lib\n"), 0o644)
	m, err := FindModule(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := SourceFiles(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range files {
		r, _ := filepath.Rel(dir, f)
		rel = append(rel, filepath.ToSlash(r))
	}
	if got, want := strings.Join(rel, ","), "go.mod,lib/lib.go,main.go"; got != want {
		t.Fatalf("files = %s, want %s", got, want)
	}
}

func TestNoToolchain(t *testing.T) {
	b := &Builder{CacheDir: t.TempDir(), Go: filepath.Join(t.TempDir(), "no-go")}
	_, err := b.Build(context.Background(), echoDir)
	if !errors.Is(err, ErrNoToolchain) || !strings.Contains(err.Error(), "install Go") {
		t.Fatalf("err = %v", err)
	}
}

func TestNoModule(t *testing.T) {
	if _, err := FindModule("/"); !errors.Is(err, ErrNoModule) {
		t.Fatalf("err = %v", err)
	}
}

// TestOnBuildOnlyWhenBuilding: OnBuild, serve's progress line, is called
// before a build that is not cached, and not on a cache hit (issue 15).
func TestOnBuildOnlyWhenBuilding(t *testing.T) {
	needGo(t)
	var calls []string
	b := &Builder{CacheDir: t.TempDir(), OnBuild: func(dir string) { calls = append(calls, dir) }}
	for range 2 {
		if _, err := b.Build(context.Background(), echoDir); err != nil {
			t.Fatal(err)
		}
	}
	if len(calls) != 1 || calls[0] != echoDir {
		t.Fatalf("OnBuild calls = %q, want one for %s", calls, echoDir)
	}
}
