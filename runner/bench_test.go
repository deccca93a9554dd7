package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

const benchDir = "testdata/plugins/bench"

// benchHost loads the bench plugin over a fresh local drive.
func benchHost(b *testing.B) (*Host, *local.Drive) {
	b.Helper()
	d, err := local.Open(filepath.Join(b.TempDir(), "drive"), local.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	h := newTestHost(b, Options{NoPrewarm: true, Drives: func(context.Context, string) (drive.Drive, error) { return d, nil }}, benchDir)
	return h, d
}

func benchCall(b *testing.B, h *Host, entry string, input any) {
	in, _ := json.Marshal(input)
	if _, err := h.Call(context.Background(), CallRequest{Plugin: "bench", Entry: entry, Input: in}, &memSink{}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCallNoop is the cost of Host.Call around an empty export.
func BenchmarkCallNoop(b *testing.B) {
	h, _ := benchHost(b)
	benchCall(b, h, "noop", nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchCall(b, h, "noop", nil)
	}
}

// BenchmarkAcquire is taking and returning a pooled instance.
func BenchmarkAcquire(b *testing.B) {
	h, _ := benchHost(b)
	benchCall(b, h, "noop", nil)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.ProbeAcquire(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDriveGet compares one drive get from a plugin (1,000 per call,
// reported per get) with the same get in Go.
func BenchmarkDriveGet(b *testing.B) {
	h, d := benchHost(b)
	ctx := context.Background()
	up, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "a.txt", Size: 1, Content: bytes.NewReader([]byte("a"))})
	if err != nil {
		b.Fatal(err)
	}
	id := up.File.FileID
	b.Run("native", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := d.Get(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, per := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("plugin-%d-per-call", per), func(b *testing.B) {
			benchCall(b, h, "gets", map[string]any{"file_id": id, "n": 1})
			b.ResetTimer()
			for i := 0; i < b.N; i += per {
				benchCall(b, h, "gets", map[string]any{"file_id": id, "n": per})
			}
		})
	}
}

// BenchmarkBatchCopy copies a folder of files with list + batch from a
// plugin; compare with bench.nativeCopyAll in the Plugin host suite.
func BenchmarkBatchCopy(b *testing.B) {
	h, d := benchHost(b)
	ctx := context.Background()
	src, err := d.MkdirAll(ctx, "/src")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		body := []byte(fmt.Sprint(i))
		if _, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: src.FileID, Name: fmt.Sprintf("f%d", i), Size: int64(len(body)), Content: bytes.NewReader(body)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		to := fmt.Sprintf("/dst%d", i)
		if _, err := d.MkdirAll(ctx, to); err != nil {
			b.Fatal(err)
		}
		benchCall(b, h, "copy_all", map[string]string{"from": "/src", "to": to})
	}
}
