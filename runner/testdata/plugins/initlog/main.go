//go:build wasip1

// Command initlog is the runner's test plugin for prewarming: its package
// initialisation (run by the module's _initialize) writes a line to
// stderr, so a test sees in which call, if any, _initialize ran.
package main

import (
	"fmt"
	"os"

	"github.com/extism/go-pdk"

	_ "github.com/wasmdrive/wasmdrive/sdk" // exports wd_init
)

// InitLine is what package initialisation writes to stderr.
const InitLine = "initlog: package init ran"

func init() { fmt.Fprintln(os.Stderr, InitLine) }

func main() {}

//go:wasmexport hello
func hello() int32 {
	pdk.OutputString("hi")
	return 0
}
