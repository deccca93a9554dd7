//go:build wasip1

// Command echo is the runner's test plugin: it echoes, fails, logs, and
// misbehaves on request (infinite loop, memory bomb, panic) so the tests can
// check that the host contains it.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/extism/go-pdk"
)

// version is replaced by the hot-reload test to make a new build.
const version = "v1"

func main() {}

//go:wasmexport echo
func echo() int32 {
	pdk.Output(pdk.Input())
	return 0
}

//go:wasmexport version
func versionExport() int32 {
	pdk.OutputString(version)
	return 0
}

//go:wasmexport config
func config() int32 {
	v, _ := pdk.GetConfig("config")
	pdk.OutputString(v)
	return 0
}

//go:wasmexport fail
func fail() int32 {
	pdk.SetErrorString("failed on purpose: " + string(pdk.Input()))
	return 1
}

// failtext fails with its input as the error text, verbatim (the JSON
// abi.Error an SDK plugin sets for a host error, or anything else).
//
//go:wasmexport failtext
func failtext() int32 {
	pdk.SetErrorString(string(pdk.Input()))
	return 1
}

//go:wasmexport logs
func logs() int32 {
	fmt.Println("to stdout")
	fmt.Fprintln(os.Stderr, "to stderr")
	pdk.Log(pdk.LogInfo, "pdk info")
	pdk.Log(pdk.LogWarn, "pdk warn")
	pdk.OutputString("logged")
	return 0
}

var sink []byte

//go:wasmexport spin
func spin() int32 {
	n := 0
	for {
		n++
		if n < 0 {
			break
		}
	}
	return int32(n)
}

//go:wasmexport bomb
func bomb() int32 {
	var keep [][]byte
	for {
		keep = append(keep, make([]byte, 64<<20)) // beyond limits.memory_pages at once
		sink = keep[len(keep)-1]
	}
}

//go:wasmexport panic
func panicExport() int32 {
	panic("boom: " + strings.ToUpper("bad input"))
}

// big answers a payload of the size (in bytes) given as input.
//
//go:wasmexport big
func big() int32 {
	var size int
	fmt.Sscan(string(pdk.Input()), &size)
	pdk.Output(make([]byte, size))
	return 0
}

// grow keeps a buffer of the size (in MiB) given as input: the instance's
// memory grows and stays grown.
//
//go:wasmexport grow
func grow() int32 {
	var mib int
	fmt.Sscan(string(pdk.Input()), &mib)
	sink = make([]byte, mib<<20)
	return 0
}

// gcenv answers the collector settings the host gave the guest.
//
//go:wasmexport gcenv
func gcenv() int32 {
	pdk.OutputString(os.Getenv("GOGC") + " " + os.Getenv("GOMEMLIMIT"))
	return 0
}

//go:wasmexport count
func count() int32 {
	n++
	pdk.OutputString(fmt.Sprint(n))
	return 0
}

var n int

// exit ends the module the way a careless plugin might.
//
//go:wasmexport exit
func exit() int32 {
	os.Exit(0)
	return 0
}
