package hostfuncs

import (
	"context"
	"fmt"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero/api"
)

// kernel holds the extism kernel's memory and the two kernel functions the
// host functions need (length of the request block, alloc of the answer
// block), looked up once per plugin instance. extism's CurrentPlugin.Length
// and WriteBytes look the function up on every use, which in wazero builds
// a new call engine (with a 10 KiB stack) each time; caching the
// api.Function removes that from every host call. The cache lives in the
// Env; an instance runs one call at a time, so its functions are never
// called concurrently.
type kernel struct {
	mod    api.Module
	mem    api.Memory
	alloc  api.Function
	length api.Function
	stack  [1]uint64
}

// kernelFor returns the cached kernel for the instance running ctx's call.
func (e *Env) kernelFor(ctx context.Context) (*kernel, error) {
	mod, ok := ctx.Value(extism.PluginCtxKey("extism")).(api.Module)
	if !ok {
		return nil, fmt.Errorf("extism kernel module not found in the call context")
	}
	e.mu.Lock()
	k := e.kern
	e.mu.Unlock()
	if k != nil && k.mod == mod {
		return k, nil
	}
	k = &kernel{mod: mod, mem: mod.ExportedMemory("memory"),
		alloc: mod.ExportedFunction("alloc"), length: mod.ExportedFunction("length")}
	if k.mem == nil || k.alloc == nil || k.length == nil {
		return nil, fmt.Errorf("extism kernel lacks memory, alloc or length")
	}
	e.mu.Lock()
	e.kern = k
	e.mu.Unlock()
	return k, nil
}

// read returns a view of the block at off (valid until the next write).
func (k *kernel) read(ctx context.Context, off uint64, limit uint64) ([]byte, error) {
	k.stack[0] = off
	if err := k.length.CallWithStack(ctx, k.stack[:]); err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	n := k.stack[0]
	if n > limit {
		return nil, badArg("request of %d bytes exceeds the %d-byte limit; split it", n, limit)
	}
	b, ok := k.mem.Read(uint32(off), uint32(n))
	if !ok {
		return nil, badArg("request block at offset %d is outside the plugin's memory", off)
	}
	return b, nil
}

// write copies b into a new block and returns its offset.
func (k *kernel) write(ctx context.Context, b []byte) (uint64, error) {
	k.stack[0] = uint64(len(b))
	if err := k.alloc.CallWithStack(ctx, k.stack[:]); err != nil {
		return 0, fmt.Errorf("alloc %d bytes: %w", len(b), err)
	}
	off := k.stack[0]
	if off == 0 && len(b) > 0 {
		return 0, fmt.Errorf("alloc %d bytes: out of memory", len(b))
	}
	if !k.mem.Write(uint32(off), b) {
		return 0, fmt.Errorf("write %d bytes at %d: outside memory", len(b), off)
	}
	return off, nil
}
