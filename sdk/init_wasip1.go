//go:build wasip1

package sdk

// wdInit does nothing, on purpose. The host calls it on an instance it
// creates ahead of time (a prewarmed pool instance): the Extism runtime
// runs a module's _initialize (for Go, the runtime and every package's
// init) lazily before the first call of any other export, so this call
// makes the instance fully ready and the first real call does not pay for
// it. See "Module shape" in ABI.md.
//
//go:wasmexport wd_init
func wdInit() int32 { return 0 }
