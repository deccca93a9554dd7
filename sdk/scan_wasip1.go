//go:build wasip1

package sdk

import "github.com/wasmdrive/wasmdrive/sdk/abi"

//go:wasmimport extism:host/user wd_local_scan
func wdLocalScan(uint64) uint64

func init() { imports[abi.FnLocalScan] = wdLocalScan }
