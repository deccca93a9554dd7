//go:build wasip1

// Command bench is the plugin the host's benchmarks run: a no-op, N drive
// gets of one file, and a batch copy of every file of a folder.
package main

import (
	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

//go:wasmexport noop
func noop() int32 { return 0 }

// GetsInput asks for N gets of one file.
type GetsInput struct {
	FileID string `json:"file_id"`
	N      int    `json:"n"`
}

//go:wasmexport gets
func gets() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in GetsInput
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		for i := 0; i < in.N; i++ {
			if _, err := sdk.Get(in.FileID); err != nil {
				return nil, err
			}
		}
		return map[string]int{"gets": in.N}, nil
	})
}

// CopyInput names the folders of a batch copy.
type CopyInput struct {
	From string `json:"from"`
	To   string `json:"to"`
}

//go:wasmexport copy_all
func copyAll() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in CopyInput
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		to, err := sdk.GetByPath(in.To)
		if err != nil {
			return nil, err
		}
		// Pages of 100 and batches of 500 keep every host payload small:
		// extism memory is slow for big blocks and ages the instance.
		copied, failed := 0, 0
		flush := func(items []sdk.BatchItem) error {
			res, err := sdk.Batch(items, sdk.BatchOptions{})
			if err != nil {
				return err
			}
			failed += len(sdk.Failed(res))
			copied += len(res) - len(sdk.Failed(res))
			return nil
		}
		var items []sdk.BatchItem
		for f, err := range sdk.ListAll(sdk.ListOptions{Path: in.From, Limit: 100}) {
			if err != nil {
				return nil, err
			}
			items = append(items, sdk.CopyItem(f.FileID, to.FileID))
			if len(items) == 500 {
				if err := flush(items); err != nil {
					return nil, err
				}
				items = items[:0]
			}
		}
		if len(items) > 0 {
			if err := flush(items); err != nil {
				return nil, err
			}
		}
		return map[string]int{"copied": copied, "failed": failed}, nil
	})
}
