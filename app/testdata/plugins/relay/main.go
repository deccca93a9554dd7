//go:build wasip1

// Command relay is the app tests' plugin: "run" logs the event it got and
// emits it on app.chain.done (so a second trigger chains), "chained"
// reports it ran, "noop" does nothing, "slow" sleeps for input.ms.
package main

import (
	"encoding/json"
	"time"

	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

//go:wasmexport run
func run() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var ev map[string]any
		if err := json.Unmarshal(sdk.Input(), &ev); err != nil {
			return nil, err
		}
		sdk.LogInfo("got event", "subject", ev["subject"])
		if err := sdk.Emit("app.chain.done", ev["data"], map[string]string{"X-From": "relay"}); err != nil {
			return nil, err
		}
		return ev, nil
	})
}

//go:wasmexport chained
func chained() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		sdk.LogInfo("chained run")
		return map[string]bool{"chained": true}, nil
	})
}

//go:wasmexport noop
func noop() int32 { return 0 }

//go:wasmexport slow
func slow() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in struct {
			MS int `json:"ms"`
		}
		_ = json.Unmarshal(sdk.Input(), &in)
		for i := 0; i < in.MS/10; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		return map[string]int{"slept_ms": in.MS}, nil
	})
}
