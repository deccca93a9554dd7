//go:build wasip1

package sdk

import (
	"unsafe"

	"github.com/extism/go-pdk"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func init() { transport = hostTransport }

// hostTransport sends req to host function fn: through the fast path
// (abi.FnCall, the plugin's own memory) while the host offers it, else
// through extism memory blocks. The returned bytes may alias a buffer that
// the next call reuses; call decodes them at once.
func hostTransport(fn string, binary bool, req []byte) ([]byte, error) {
	if fastOK {
		if out, ok := fastTransport(fn, binary, req); ok {
			return out, nil
		}
		fastOK = false
	}
	return kernelTransport(fn, req)
}

//go:wasmimport extism:host/user wd_call
func wdCall(fn, req, out uint64) uint64

var (
	fastOK = true
	answer = make([]byte, 32<<10)
)

// pack encodes b's address and length for wd_call.
func pack(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
}

// fnIndex maps function names to their wd_call index.
var fnIndex = func() map[string]uint64 {
	m := make(map[string]uint64, len(abi.Functions))
	for i, fn := range abi.Functions {
		m[fn] = uint64(i)
	}
	return m
}()

func fastTransport(fn string, binary bool, req []byte) ([]byte, bool) {
	idx, ok := fnIndex[fn]
	if !ok {
		return nil, false
	}
	if binary {
		idx |= abi.CallBinary
	}
	n := wdCall(idx, pack(req), pack(answer))
	if n == abi.CallUnavailable {
		return nil, false
	}
	if n <= uint64(len(answer)) {
		return answer[:n], true
	}
	big := make([]byte, n)
	wdCall(abi.CallTake, 0, pack(big))
	return big, true
}

// kernelTransport copies req into an extism block, calls the import for fn
// and returns the envelope, freeing both blocks.
func kernelTransport(fn string, req []byte) ([]byte, error) {
	imp := imports[fn]
	if imp == nil {
		return nil, &Error{Func: fn, Code: abi.CodeInternal, Message: "unknown host function"}
	}
	var off uint64
	if len(req) > 0 {
		mem := pdk.AllocateBytes(req)
		defer mem.Free()
		off = mem.Offset()
	}
	res := pdk.FindMemory(imp(off))
	defer res.Free()
	return res.ReadBytes(), nil
}

// Run executes an entry point: it hands fn the call's input, writes fn's
// result as the call's output, and reports an error (or a panic) to the
// host so the run fails with its message. An error wrapping a host
// function's *Error keeps its code (a permission_denied fails the run at
// once instead of being retried; see ABI.md, "Failed runs"). Use it as the whole body of a
// //go:wasmexport function:
//
//	//go:wasmexport backup
//	func backup() int32 { return sdk.Run(run) }
func Run(fn Handler) int32 {
	out, err := runHandler(pdk.Input(), fn)
	if err != nil {
		pdk.SetErrorString(failureText(err))
		return 1
	}
	if out != nil {
		pdk.Output(out)
	}
	return 0
}

// Input returns the current call's raw input.
func Input() []byte { return pdk.Input() }

// Output sets the current call's output to v encoded as JSON ([]byte and
// json.RawMessage are written as they are).
func Output(v any) error {
	b, err := encodeOutput(v)
	if err != nil {
		return err
	}
	pdk.Output(b)
	return nil
}
