// Package sdk is what a wasmdrive plugin imports: typed Go wrappers over the
// host functions of sdk/abi, so plugin code never touches JSON or memory
// offsets, plus helpers for paging (ListAll), walking (Walk, LocalWalk),
// incremental scans against a KV index (LocalScanAll), batches, config,
// KV state, logs, progress and events.
//
// A plugin is a Go main package built with the standard toolchain:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
//
// with one exported function per entry point:
//
//	//go:wasmexport backup
//	func backup() int32 {
//		return sdk.Run(func(ctx sdk.Ctx) (any, error) {
//			var cfg Config
//			if err := sdk.ReadConfig(&cfg); err != nil {
//				return nil, err
//			}
//			for f, err := range sdk.ListAll(sdk.ListOptions{Path: cfg.Folder}) {
//				if err != nil {
//					return nil, err
//				}
//				sdk.LogInfo("seen", "name", f.Name)
//			}
//			return map[string]int{"ok": 1}, nil
//		})
//	}
//
//	func main() {}
//
// Errors from the host are *Error values with a stable Code; branch on them
// with errors.Is(err, sdk.ErrNotFound) and friends, or sdk.IsRetryable.
//
// The package imports only the standard library, sdk/abi and extism go-pdk;
// files that talk to the host are built for GOOS=wasip1 only, the rest
// (errors, paging, entry logic) also builds natively so it can be unit
// tested. sdk/ABI.md documents the wire contract for other languages.
package sdk
