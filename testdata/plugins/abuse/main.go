// Command abuse is a test plugin that misbehaves: it spins forever,
// allocates without bound, panics, sends a huge host-call payload and calls
// host functions in a tight loop. The host must end each call cleanly.
package main

import (
	"encoding/json"
	"unsafe"

	"github.com/extism/go-pdk"

	"github.com/wasmdrive/wasmdrive/sdk"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func main() {}

var sink []byte

//go:wasmexport loop
func loop() int32 {
	n := 0
	for {
		n++
	}
}

//go:wasmexport bomb
func bomb() int32 {
	var keep [][]byte
	for {
		b := make([]byte, 1<<20)
		b[0] = 1
		keep = append(keep, b)
		sink = b
	}
}

//go:wasmexport panic
func panicky() int32 {
	panic("abuse: deliberate panic")
}

//go:wasmimport extism:host/user wd_call
func wdCall(fn, req, out uint64) uint64

//go:wasmimport extism:host/user wd_drive_get_by_path
func wdGetByPath(uint64) uint64

// huge sends a 5 MiB request (over the host's 4 MiB limit) through both
// calling conventions, as a plugin not using the sdk could, and returns the
// error code each envelope carries.
//
//go:wasmexport huge
func huge() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		big := make([]byte, 5<<20)
		out := make([]byte, 4096)
		idx := uint64(abi.FunctionIndex(abi.FnDriveGetByPath))
		n := wdCall(idx, ptr(big)<<32|uint64(len(big)), ptr(out)<<32|uint64(len(out)))
		fast := codeOf(out[:min(n, uint64(len(out)))])
		mem := pdk.Allocate(5 << 20) // uninitialised: no copy loop
		env := pdk.FindMemory(wdGetByPath(mem.Offset()))
		kernel := codeOf(env.ReadBytes())
		return map[string]string{"fast": fast, "kernel": kernel}, nil
	})
}

func ptr(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

func codeOf(envelope []byte) string {
	var e abi.Envelope
	if err := json.Unmarshal(envelope, &e); err != nil || e.Error == nil {
		return "decode: " + string(envelope)
	}
	return e.Error.Code
}

//go:wasmexport hostloop
func hostloop() int32 {
	for {
		sdk.Now()
	}
}

//go:wasmexport ok
func ok() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) { return "fine", nil })
}
