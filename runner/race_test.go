//go:build race

package runner

// raceEnabled: under -race wazero's compiler runs instrumented, and
// compiling a Go plugin takes minutes on a loaded machine.
const raceEnabled = true
