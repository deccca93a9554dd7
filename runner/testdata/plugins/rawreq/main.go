//go:build wasip1

// Command rawreq is the runner's test plugin for `plugin inspect`'s grant
// warnings: its manifest asks for the raw drive request.
package main

import "github.com/extism/go-pdk"

func main() {}

//go:wasmexport hello
func hello() int32 {
	pdk.OutputString("hi")
	return 0
}
