// Package e2e runs the built-in plugins (backup, archive, cleanup) end to
// end: real Wasm builds through runner.Host, host functions, and the
// embedded local drive. It holds only tests and their harness.
package e2e
