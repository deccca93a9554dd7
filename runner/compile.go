package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/runner/wasmmod"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// compiler holds one extism CompiledPlugin per (module sha256, memory
// limit), reference counted, backed by one wazero compilation cache (on
// disk when a folder is given) so a restart does not recompile.
type compiler struct {
	cache wazero.CompilationCache
	funcs []extism.HostFunction

	compileMu sync.Mutex // one compile at a time: CPU-bound, and the cache is safest serialised
	mu        sync.Mutex
	mods      map[string]*compiled
}

// compiled is one CompiledPlugin shared by every plugin version using it.
type compiled struct {
	key  string
	cp   *extism.CompiledPlugin
	refs int // guarded by compiler.mu
	// ticks: the module was instrumented with loop-header ticks.
	ticks bool
	// pages is the memory limit in 64 KiB pages.
	pages uint32
}

// instrument returns the module to compile and its sha256: wasm with
// loop-header ticks through wd_call when it imports it, else wasm itself.
func instrument(wasm []byte, hash string) (code []byte, codeHash string, ticks bool) {
	out, err := wasmmod.Instrument(wasm, wasmmod.Tick{Module: abi.Namespace, Name: abi.FnCall, Code: abi.CallTick})
	if err != nil {
		if !errors.Is(err, wasmmod.ErrNoTickImport) {
			slog.Debug("plugin module not instrumented; using wazero's context checks", "err", err)
		}
		return wasm, hash, false
	}
	sum := sha256.Sum256(out)
	return out, hex.EncodeToString(sum[:]), true
}

func newCompiler(cacheDir string) (*compiler, error) {
	c := &compiler{funcs: hostfuncs.Functions(), mods: map[string]*compiled{}}
	if cacheDir == "" {
		c.cache = wazero.NewCompilationCache()
		return c, nil
	}
	cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("wazero cache %s: %w", cacheDir, err)
	}
	c.cache = cache
	return c, nil
}

// acquire returns the compiled module for wasm (whose sha256 is hash) with
// a memory cap of pages, compiling it on first use. Callers release it.
func (c *compiler) acquire(ctx context.Context, hash string, wasm []byte, pages uint32) (*compiled, error) {
	key := fmt.Sprintf("%s/%d", hash, pages)
	c.mu.Lock()
	if m := c.mods[key]; m != nil {
		m.refs++
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()

	c.compileMu.Lock()
	defer c.compileMu.Unlock()
	c.mu.Lock()
	if m := c.mods[key]; m != nil { // compiled while we waited
		m.refs++
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()

	// A module that imports wd_call gets loop-header ticks instead of
	// wazero's per-iteration context check (several times cheaper for Go
	// guests); any other module, or one the instrumenter cannot read, keeps
	// wazero's check. Either way a runaway guest ends at its timeout.
	code, codeHash, ticks := instrument(wasm, hash)
	rc := wazero.NewRuntimeConfig().
		WithCompilationCache(c.cache).
		WithCloseOnContextDone(!ticks)
	man := extism.Manifest{
		Wasm: []extism.Wasm{extism.WasmData{Data: code, Hash: codeHash}},
		Memory: &extism.ManifestMemory{
			MaxPages:             pages,
			MaxVarBytes:          1 << 20,
			MaxHttpResponseBytes: 0,
		},
	}
	cp, err := extism.NewCompiledPlugin(ctx, man, extism.PluginConfig{RuntimeConfig: rc, EnableWasi: true}, c.funcs)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	m := &compiled{key: key, cp: cp, refs: 1, ticks: ticks, pages: pages}
	c.mu.Lock()
	c.mods[key] = m
	c.mu.Unlock()
	return m, nil
}

// release drops one reference and closes the module after the last one.
func (c *compiler) release(m *compiled) {
	c.mu.Lock()
	m.refs--
	last := m.refs == 0
	if last {
		delete(c.mods, m.key)
	}
	c.mu.Unlock()
	if last {
		m.cp.Close(context.Background())
	}
}

// close closes every module and the cache.
func (c *compiler) close() {
	c.mu.Lock()
	mods := c.mods
	c.mods = map[string]*compiled{}
	c.mu.Unlock()
	for _, m := range mods {
		m.cp.Close(context.Background())
	}
	c.cache.Close(context.Background())
}
