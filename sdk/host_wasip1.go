//go:build wasip1

package sdk

import (
	"github.com/extism/go-pdk"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func init() { transport = hostTransport }

// hostTransport copies req into extism memory, calls the import for fn and
// returns the envelope, freeing both blocks.
func hostTransport(fn string, req []byte) ([]byte, error) {
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
// host so the run fails with its message. Use it as the whole body of a
// //go:wasmexport function:
//
//	//go:wasmexport backup
//	func backup() int32 { return sdk.Run(run) }
func Run(fn Handler) int32 {
	out, err := runHandler(pdk.Input(), fn)
	if err != nil {
		pdk.SetError(err)
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
