package sdk

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func TestUploadManyChunksAndOutcomes(t *testing.T) {
	var bases []float64
	h := &fakeHost{handler: func(fn string, req map[string]any) (any, *abi.Error) {
		if fn != abi.FnDriveUploadMany {
			t.Fatalf("called %s", fn)
		}
		p := req["progress"].(map[string]any)
		bases = append(bases, p["files_done"].(float64), p["bytes_done"].(float64))
		items := req["items"].([]any)
		var out abi.UploadManyResult
		for _, it := range items {
			name := it.(map[string]any)["name"].(string)
			if name == "bad" {
				out.Results = append(out.Results, abi.UploadItemResult{Error: &abi.Error{Code: abi.CodeNotFound, Message: "gone"}})
				continue
			}
			out.Results = append(out.Results, abi.UploadItemResult{File: &File{Name: name, Size: 10}, BytesSent: 10, Resumed: name == "r"})
		}
		return out, nil
	}}
	h.install(t)
	n := uploadItemsPerCall + 3
	items := make([]UploadRequest, n)
	for i := range items {
		items[i] = UploadRequest{LocalPath: "/x", Name: fmt.Sprint(i)}
	}
	items[1].Name, items[n-1].Name = "bad", "r"
	outs, err := UploadMany(items, UploadManyOptions{Concurrency: 2, Progress: &UploadProgress{FilesDone: 5, BytesDone: 7}})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != n || len(h.calls) != 2 {
		t.Fatalf("%d outcomes in %d calls", len(outs), len(h.calls))
	}
	if !errors.Is(outs[1].Err, ErrNotFound) || outs[1].Result != nil {
		t.Errorf("failed item: %+v", outs[1])
	}
	if outs[0].Err != nil || outs[0].Result.File.Name != "0" || !outs[n-1].Result.Resumed {
		t.Errorf("outcomes %+v %+v", outs[0], outs[n-1])
	}
	// The second call continues the first call's counts.
	want := []float64{5, 7, 5 + uploadItemsPerCall, 7 + 10*(uploadItemsPerCall-1)}
	if fmt.Sprint(bases) != fmt.Sprint(want) {
		t.Errorf("progress bases %v, want %v", bases, want)
	}
}

func TestUploadManyCallError(t *testing.T) {
	h := &fakeHost{handler: func(fn string, req map[string]any) (any, *abi.Error) {
		return nil, &abi.Error{Code: abi.CodeCancelled, Message: "run cancelled"}
	}}
	h.install(t)
	if _, err := UploadMany([]UploadRequest{{LocalPath: "/x"}}, UploadManyOptions{}); !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v", err)
	}
}
