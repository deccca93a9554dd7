package main

import "runtime"

// collectIfLarge runs the collector when the heap holds more than half of
// memoryLimit. main.go turns the collector off until the heap nears that
// limit, but inside Wasm a collection the runtime starts from an
// allocation cannot run its background workers while the plugin never
// blocks (host calls do not yield), so the heap could outgrow the module's
// memory: a 100,000-file first backup ran out of 128 MiB in a checkpoint.
// runtime.GC blocks, which lets the workers finish. Call it between
// phases, not per file: a collection costs about a millisecond per
// megabyte of live heap inside Wasm.
func collectIfLarge() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > memoryLimit/2 {
		runtime.GC()
	}
}
