package main

import "runtime"

// collectIfLarge runs the collector when the heap holds more than half of
// memoryLimit. main.go turns the collector off until the heap nears that
// limit, and inside Wasm the heap was seen to outgrow the module's memory
// regardless (a 100,000-file first backup ran out of memory in a
// checkpoint, with the collector idle); runtime.GC blocks until the
// collection is complete. Call it between phases, not per file: a
// collection walks the whole live heap.
func collectIfLarge() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > memoryLimit/2 {
		runtime.GC()
	}
}
