package hostfuncs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"

	"github.com/wasmdrive/wasmdrive/runner/wasmmod"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Test plugins live in ../testdata/plugins/<name>. They are built with the
// Go toolchain into the user cache, keyed by a hash of their sources, the
// sdk's sources and the Go version, so a rerun does not rebuild them.

var repoRoot = func() string {
	wd, _ := os.Getwd()
	return filepath.Dir(wd)
}()

var buildMu sync.Mutex

// buildPlugin returns the Wasm bytes of test plugin name.
func buildPlugin(t testing.TB, name string) []byte {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go toolchain is not on PATH; it is needed to build test plugins")
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	src := filepath.Join(repoRoot, "testdata", "plugins", name)
	h := sha256.New()
	io.WriteString(h, runtime.Version())
	for _, dir := range []string{src, filepath.Join(repoRoot, "sdk"), filepath.Join(repoRoot, "sdk", "abi")} {
		hashDir(t, h, dir)
	}
	hashFile(t, h, filepath.Join(repoRoot, "go.sum"))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	out := filepath.Join(cache, "wasmdrive-test", "plugins", name+"-"+hex.EncodeToString(h.Sum(nil))[:16]+".wasm")
	if b, err := os.ReadFile(out); err == nil {
		return b
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := out + ".tmp"
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", tmp, "./testdata/plugins/"+name)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build test plugin %s: %v\n%s", name, err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hashDir(t testing.TB, h io.Writer, dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		io.WriteString(h, n)
		hashFile(t, h, filepath.Join(dir, n))
	}
}

func hashFile(t testing.TB, h io.Writer, p string) {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	io.Copy(h, f)
}

// compileCache is shared by all plugins of a test binary; it is backed by
// a folder in the user cache so reruns skip the ≈0.6 s compile.
var compileCache = sync.OnceValue(func() wazero.CompilationCache {
	dir, err := os.UserCacheDir()
	if err == nil {
		if c, err := wazero.NewCompilationCacheWithDir(filepath.Join(dir, "wasmdrive-test", "wazero")); err == nil {
			return c
		}
	}
	return wazero.NewCompilationCache()
})

// pluginOpts tunes newPlugin.
type pluginOpts struct {
	maxPages uint32
	stderr   io.Writer
	// noClose runs the module as built, without any interruption
	// (benchmarks of what interruption costs).
	noClose bool
	// wazeroCheck runs the module as built with wazero's
	// WithCloseOnContextDone (the runner's fallback for modules without
	// wd_call). By default modules get loop-header ticks, as in the runner.
	wazeroCheck bool
}

// instrumented adds loop-header ticks to wasm as the runner does, or
// reports false for a module without wd_call (the runner then uses
// wazero's check).
func instrumented(t testing.TB, wasm []byte) ([]byte, bool) {
	t.Helper()
	out, err := wasmmod.Instrument(wasm, wasmmod.Tick{Module: abi.Namespace, Name: abi.FnCall, Code: abi.CallTick})
	if errors.Is(err, wasmmod.ErrNoTickImport) {
		return wasm, false
	}
	if err != nil {
		t.Fatalf("instrument: %v", err)
	}
	return out, true
}

// newPlugin compiles wasm with every host function and returns an
// instance, closed at the end of the test.
func newPlugin(t testing.TB, wasm []byte, o pluginOpts) *extism.Plugin {
	t.Helper()
	ctx := context.Background()
	if !o.noClose && !o.wazeroCheck {
		var ticks bool
		if wasm, ticks = instrumented(t, wasm); !ticks {
			o.wazeroCheck = true
		}
	}
	m := extism.Manifest{Wasm: []extism.Wasm{extism.WasmData{Data: wasm}}}
	if o.maxPages > 0 {
		m.Memory = &extism.ManifestMemory{MaxPages: o.maxPages}
	}
	cp, err := extism.NewCompiledPlugin(ctx, m, extism.PluginConfig{
		EnableWasi:    true,
		RuntimeConfig: wazero.NewRuntimeConfig().WithCompilationCache(compileCache()).WithCloseOnContextDone(o.wazeroCheck),
	}, Functions())
	if err != nil {
		t.Fatalf("compile plugin: %v", err)
	}
	t.Cleanup(func() { cp.Close(ctx) })
	mc := wazero.NewModuleConfig()
	if o.stderr != nil {
		mc = mc.WithStderr(o.stderr)
	}
	p, err := cp.Instance(ctx, extism.PluginInstanceConfig{ModuleConfig: mc})
	if err != nil {
		t.Fatalf("instantiate plugin: %v", err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	return p
}
