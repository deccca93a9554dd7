// Command probe is a test plugin that makes the host calls its input lists,
// by function name with raw JSON requests, and returns every envelope as
// the host answered it: the grant tests drive each host function through a
// real plugin with it.
package main

import (
	"encoding/json"
	"unsafe"

	"github.com/wasmdrive/wasmdrive/sdk"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func main() {}

// Call is one host call: a function name and its JSON request.
type Call struct {
	Fn  string          `json:"fn"`
	Req json.RawMessage `json:"req,omitempty"`
}

//go:wasmimport extism:host/user wd_call
func rawCall(fn, req, out uint64) uint64

func pack(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
}

// call makes one host call through wd_call and returns the envelope.
func call(c Call) json.RawMessage {
	idx := abi.FunctionIndex(c.Fn)
	if idx < 0 {
		return json.RawMessage(`{"ok":false,"error":{"code":"probe","message":"unknown function"}}`)
	}
	out := make([]byte, 64<<10)
	n := rawCall(uint64(idx), pack(c.Req), pack(out))
	if n == abi.CallUnavailable {
		return json.RawMessage(`{"ok":false,"error":{"code":"probe","message":"wd_call unavailable"}}`)
	}
	if n > uint64(len(out)) {
		out = make([]byte, n)
		rawCall(abi.CallTake, 0, pack(out))
	}
	return json.RawMessage(out[:n])
}

// calls makes the calls in order and returns their envelopes.
//
//go:wasmexport calls
func calls() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in []Call
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		out := make([]json.RawMessage, len(in))
		for i, c := range in {
			out[i] = call(c)
		}
		return out, nil
	})
}
