//go:build wasip1

package main

import "github.com/wasmdrive/wasmdrive/sdk"

//go:wasmexport cleanup
func cleanup() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) { return run(ctx) })
}
