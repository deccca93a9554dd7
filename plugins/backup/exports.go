//go:build wasip1

package main

import "github.com/wasmdrive/wasmdrive/sdk"

//go:wasmexport backup
func backup() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		s, err := loadSettings(ctx)
		if err != nil {
			return nil, err
		}
		sum, err := runBackup(s)
		if err != nil {
			return sum, err
		}
		sdk.LogInfo("backup done", "uploaded", sum.Uploaded, "rapid", sum.Rapid, "bytes", sum.BytesSent,
			"unchanged", sum.Unchanged, "removed", sum.Removed, "errors", len(sum.Errors), "ms", sum.ElapsedMS)
		if s.Subject != "" {
			if err := sdk.Emit(s.Subject, sum, nil); err != nil {
				sdk.LogWarn("emit summary", "subject", s.Subject, "error", err)
			}
		}
		return sum, nil
	})
}

//go:wasmexport restore
func restore() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		s, err := loadSettings(ctx)
		if err != nil {
			return nil, err
		}
		var in RestoreInput
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		return runRestore(s, in)
	})
}

//go:wasmexport verify
func verify() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		s, err := loadSettings(ctx)
		if err != nil {
			return nil, err
		}
		var in VerifyInput
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		return runVerify(s, in)
	})
}
