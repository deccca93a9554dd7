// Command abuse is a test plugin that misbehaves: it spins forever,
// allocates without bound, panics, sends a huge host-call payload and calls
// host functions in a tight loop. The host must end each call cleanly.
package main

import (
	"strings"

	"github.com/wasmdrive/wasmdrive/sdk"
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

//go:wasmexport huge
func huge() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		// A 5 MiB path: above the host's 4 MiB request limit.
		_, err := sdk.GetByPath("/" + strings.Repeat("a", 5<<20))
		return sdk.CodeOf(err), nil
	})
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
