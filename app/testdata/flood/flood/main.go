//go:build wasip1

// Command flood is the output-caps tests' plugin: "quiet" logs a few
// lines, "flood" logs input.n lines of input.size bytes through every
// log source (wd_log, stdout, stderr, pdk.Log) in a tight loop, "emit"
// emits input.count events of input.size bytes and "kv" stores a value of
// input.size bytes; the last two report the code of each host answer.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/extism/go-pdk"

	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

type input struct {
	N     int `json:"n"`
	Size  int `json:"size"`
	Count int `json:"count"`
}

//go:wasmexport quiet
func quiet() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		for i := 0; i < 5; i++ {
			sdk.LogInfo(fmt.Sprintf("quiet line %d", i))
		}
		return "quiet", nil
	})
}

//go:wasmexport flood
func flood() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		line := strings.Repeat("x", in.Size)
		for i := 0; i < in.N; i++ {
			switch i % 4 {
			case 0:
				sdk.LogInfo(line, "i", i)
			case 1:
				fmt.Println(line)
			case 2:
				fmt.Fprintln(os.Stderr, line)
			case 3:
				pdk.Log(pdk.LogInfo, line)
			}
		}
		return in.N, nil
	})
}

//go:wasmexport emit
func emit() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		data := strings.Repeat("e", in.Size)
		codes := map[string]int{}
		last := ""
		for i := 0; i < in.Count; i++ {
			err := sdk.Emit("app.flood.ev", data, nil)
			c := sdk.CodeOf(err)
			if err != nil && c == "" {
				c = "other"
			}
			if c == "" {
				c = "ok"
			}
			codes[c]++
			if err != nil {
				last = err.Error()
			}
		}
		return map[string]any{"codes": codes, "last": last}, nil
	})
}

//go:wasmexport kv
func kv() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		_, err := sdk.KVPut("big", make([]byte, in.Size))
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		return map[string]string{"code": sdk.CodeOf(err), "error": msg}, nil
	})
}
