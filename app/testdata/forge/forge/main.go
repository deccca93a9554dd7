//go:build wasip1

// Command forge is the security tests' plugin: "emit" publishes each event
// of its input and reports the code each publish got (a forged batch chunk
// on wasmdrive.batch.<job>, the reserved prefixes, a header NATS
// interprets); "batch" trashes its input's file id through the host's
// batch executor, the legitimate path.
package main

import (
	"encoding/json"

	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

type event struct {
	Subject string            `json:"subject"`
	Data    json.RawMessage   `json:"data"`
	Headers map[string]string `json:"headers"`
}

//go:wasmexport emit
func emit() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in struct {
			Events []event `json:"events"`
		}
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		codes := map[string]string{}
		for _, e := range in.Events {
			codes[e.Subject] = sdk.CodeOf(sdk.Emit(e.Subject, e.Data, e.Headers))
		}
		return codes, nil
	})
}

//go:wasmexport batch
func batch() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in struct {
			FileID string `json:"file_id"`
		}
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		res, err := sdk.Batch([]sdk.BatchItem{sdk.TrashItem(in.FileID)}, sdk.BatchOptions{})
		if err != nil {
			return nil, err
		}
		return res, nil
	})
}
