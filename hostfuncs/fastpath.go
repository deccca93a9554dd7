package hostfuncs

import (
	"bytes"
	"context"
	"reflect"
	"unsafe"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasmdrive/wasmdrive/runner/wasmmod"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// The fast path (abi.FnCall) moves requests and envelopes through the
// plugin's own linear memory instead of extism kernel blocks: the host
// reads the request in place and writes the envelope into a buffer the
// plugin provides. That saves, per host call, four kernel calls and a host
// call per 8 bytes moved (go-pdk's load_u64/store_u64 loops), which dominate
// the cost of the standard path.
//
// extism v1.7.1 does not expose the plugin's module to host functions; its
// *extism.Module wraps the wazero api.Module in an unexported field. guestModule
// reads it through unsafe after checking, with reflect, that the struct is
// exactly that one field; if a future extism changes it, the fast path
// answers abi.CallUnavailable and the sdk falls back to the standard path
// (TestFastPathActive then fails, to say so).

// moduleLayout mirrors extism.Module.
type moduleLayout struct {
	inner api.Module
}

// fastPathOff turns the fast path off (benchmarks of the standard path).
var fastPathOff bool

var layoutOK = func() bool {
	t := reflect.TypeOf(extism.Module{})
	return t.NumField() == 1 && t.Field(0).Type == reflect.TypeOf((*api.Module)(nil)).Elem() &&
		t.Size() == unsafe.Sizeof(moduleLayout{})
}()

// guestMemory returns the calling plugin's exported linear memory, or nil.
func (e *Env) guestMemory(ctx context.Context) api.Memory {
	if !layoutOK || fastPathOff {
		return nil
	}
	p, ok := ctx.Value(extism.PluginCtxKey("plugin")).(*extism.Plugin)
	if !ok {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.guest != nil && e.guestOf == p {
		return e.guest
	}
	m := PluginModule(p)
	if m == nil {
		return nil
	}
	e.guest, e.guestOf = m.Memory(), p
	return e.guest
}

// guestModule returns the calling plugin's wazero module, or nil.
func guestModule(ctx context.Context) api.Module {
	p, ok := ctx.Value(extism.PluginCtxKey("plugin")).(*extism.Plugin)
	if !ok {
		return nil
	}
	return PluginModule(p)
}

// PluginModule returns the wazero module of a plugin instance (its own
// module, not extism's kernel), or nil if this extism version hides it.
func PluginModule(p *extism.Plugin) api.Module {
	if !layoutOK || p == nil {
		return nil
	}
	return (*moduleLayout)(unsafe.Pointer(p.Module())).inner
}

func unpack(v uint64) (ptr, n uint32) { return uint32(v >> 32), uint32(v) }

// fastCall is the abi.FnCall host function.
func fastCall() extism.HostFunction {
	i64 := []extism.ValueType{extism.ValueTypeI64, extism.ValueTypeI64, extism.ValueTypeI64}
	fn := extism.NewHostFunctionWithStack(abi.FnCall, serveFast, i64, []extism.ValueType{extism.ValueTypeI64})
	fn.SetNamespace(abi.Namespace)
	return fn
}

func serveFast(ctx context.Context, _ *extism.CurrentPlugin, stack []uint64) {
	if stack[0] == abi.CallTick {
		stack[0] = tick(ctx)
		return
	}
	env := EnvFrom(ctx)
	var mem api.Memory
	if env != nil {
		mem = env.guestMemory(ctx)
	}
	if mem == nil {
		stack[0] = abi.CallUnavailable
		return
	}
	idx := stack[0]
	outPtr, outCap := unpack(stack[2])
	if idx == abi.CallTake {
		env.mu.Lock()
		pending := env.pending
		env.pending = nil
		env.mu.Unlock()
		if uint32(len(pending)) > outCap || !mem.Write(outPtr, pending) {
			panic("wd_call: take: buffer too small or outside memory")
		}
		stack[0] = uint64(len(pending))
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	buf.Reset()
	res, err := fastInvoke(ctx, env, mem, idx&^abi.CallBinary, stack[1])
	encoded := false
	if idx&abi.CallBinary != 0 && err == nil {
		var bin []byte
		if bin, encoded = appendBinary(buf.AvailableBuffer(), res); encoded {
			buf.Write(bin)
		}
	}
	if !encoded {
		encodeEnvelope(buf, res, err)
	}
	n := uint32(buf.Len())
	if n <= outCap {
		if !mem.Write(outPtr, buf.Bytes()) {
			panic("wd_call: answer buffer outside the plugin's memory")
		}
	} else {
		env.mu.Lock()
		env.pending = bytes.Clone(buf.Bytes())
		env.mu.Unlock()
	}
	stack[0] = uint64(n)
}

// fastInvoke decodes the function index and request range and runs it.
func fastInvoke(ctx context.Context, env *Env, mem api.Memory, idx, req uint64) (any, error) {
	if idx >= uint64(len(abi.Functions)) {
		return nil, badArg("wd_call: no host function with index %d", idx)
	}
	name := abi.Functions[idx]
	ptr, n := unpack(req)
	if n > abi.MaxRequestBytes {
		return nil, badArg("request of %d bytes exceeds the %d-byte limit; split it", n, abi.MaxRequestBytes)
	}
	var in []byte
	if n > 0 {
		var ok bool
		if in, ok = mem.Read(ptr, n); !ok {
			return nil, badArg("request range [%d,+%d) is outside the plugin's memory", ptr, n)
		}
	}
	return invoke(ctx, env, name, table[name], in)
}

// tick answers the loop-header check of an instrumented module (see
// runner/wasmmod.Instrument): the fuel for the next TickFuel iterations
// while the call's context lives, else it ends the call the way wazero's
// own context check does, so callers see the same exit codes.
func tick(ctx context.Context) uint64 {
	switch ctx.Err() {
	case nil:
		if m := guestModule(ctx); m != nil && m.IsClosed() {
			// Closed under a running guest (a runtime closed at
			// shutdown): wazero does not stop it at host calls, so stop it
			// here, before it touches a memory being released.
			panic(sys.NewExitError(sys.ExitCodeContextCanceled))
		}
		return wasmmod.TickFuel
	case context.DeadlineExceeded:
		panic(sys.NewExitError(sys.ExitCodeDeadlineExceeded))
	default:
		panic(sys.NewExitError(sys.ExitCodeContextCanceled))
	}
}
