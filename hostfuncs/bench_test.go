package hostfuncs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	extism "github.com/extism/go-sdk"
	"syscall"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// The per-call overhead of a host function: the same Drive.Get from native
// Go and from a plugin (1,000 calls per plugin call, so the extism Call
// overhead is amortised). The difference is what the ABI adds.
//
//	go test ./hostfuncs -run X -bench 'DriveGet' -benchtime 2000x

func benchFixture(b *testing.B) (*fixture, *drive.File) {
	f := newFixture(b, AllowAll())
	ctx := context.Background()
	folder, err := f.drive.MkdirAll(ctx, "/bench/a")
	if err != nil {
		b.Fatal(err)
	}
	return f, folder
}

func BenchmarkDriveGetNative(b *testing.B) {
	f, file := benchFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	c := startCPU()
	for b.Loop() {
		if _, err := f.drive.Get(ctx, file.FileID); err != nil {
			b.Fatal(err)
		}
	}
	c.report(b)
}

func benchPluginGets(b *testing.B, g Grant, o pluginOpts) {
	f, file := benchFixture(b)
	f.env.Grant = g
	p := newPlugin(b, buildPlugin(b, "all"), o)
	const perCall = 1000
	in, _ := json.Marshal(map[string]any{"file_id": file.FileID, "n": perCall})
	ctx := WithEnv(context.Background(), f.env)
	b.ReportAllocs()
	b.ResetTimer()
	c := startCPU()
	defer c.report(b)
	calls := 0
	for calls < b.N {
		n := min(perCall, b.N-calls)
		if n != perCall {
			in, _ = json.Marshal(map[string]any{"file_id": file.FileID, "n": n})
		}
		if _, _, err := p.CallWithContext(ctx, "get_loop", in); err != nil {
			b.Fatal(err)
		}
		calls += n
	}
}

// BenchmarkDriveGetPlugin: grant on the whole drive (no path resolution).
func BenchmarkDriveGetPlugin(b *testing.B) { benchPluginGets(b, AllowAll(), pluginOpts{}) }

// BenchmarkDriveGetPluginKernelPath: the standard extism-memory path that
// non-Go plugins use (the Go sdk's fast path turned off).
func BenchmarkDriveGetPluginKernelPath(b *testing.B) {
	fastPathOff = true
	defer func() { fastPathOff = false }()
	benchPluginGets(b, AllowAll(), pluginOpts{})
}

// BenchmarkDriveGetPluginNoInterrupt: as BenchmarkDriveGetPlugin without
// WithCloseOnContextDone, whose per-loop-iteration check slows Go guests'
// own code (JSON decoding) several times over.
func BenchmarkDriveGetPluginNoInterrupt(b *testing.B) {
	benchPluginGets(b, AllowAll(), pluginOpts{noClose: true})
}

// BenchmarkDriveGetPluginRestricted: grant on one folder, so every get
// resolves the file's path (cached parents).
func BenchmarkDriveGetPluginRestricted(b *testing.B) {
	benchPluginGets(b, Grant{Functions: []string{"drive.read"}, Drive: DriveGrant{Read: []string{"/bench"}}}, pluginOpts{})
}

// BenchmarkEnvelope measures the host side of one call without Wasm:
// decode, grant check, handler (Drive.Get) and envelope encoding.
func BenchmarkEnvelope(b *testing.B) {
	f, file := benchFixture(b)
	in := []byte(fmt.Sprintf(`{"file_id":%q}`, file.FileID))
	ctx := context.Background()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		res, err := invoke(ctx, f.env, "wd_drive_get", table["wd_drive_get"], in)
		encodeEnvelope(&buf, res, err)
	}
}

// BenchmarkHostCallNow is the floor of one host call: wd_now, no drive.
func BenchmarkHostCallNow(b *testing.B) {
	for _, noClose := range []bool{false, true} {
		b.Run(fmt.Sprintf("interruptible=%v", !noClose), func(b *testing.B) { benchNow(b, noClose) })
	}
}

func benchNow(b *testing.B, noClose bool) {
	f := newFixture(b, AllowAll())
	p := newPlugin(b, buildPlugin(b, "all"), pluginOpts{noClose: noClose})
	ctx := WithEnv(context.Background(), f.env)
	in, _ := json.Marshal(map[string]any{"n": b.N})
	b.ReportAllocs()
	b.ResetTimer()
	c := startCPU()
	defer c.report(b)
	if _, _, err := p.CallWithContext(ctx, "now_loop", in); err != nil {
		b.Fatal(err)
	}
}

// cpuTimer reports CPU nanoseconds per op of this process (user+system), a
// steadier figure than wall time on a shared, loaded machine.
type cpuTimer struct{ start time.Duration }

func startCPU() cpuTimer { return cpuTimer{processCPU()} }

func (c cpuTimer) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The batch copy figure: list a folder of 1,000 entries and copy them all in
// one batch, from a plugin (two host calls) and natively (Drive.List +
// Drive.Batch); the ratio is the ABI's share.
//
//	go test ./hostfuncs -run X -bench BatchCopy -benchtime 5x
func BenchmarkBatchCopy(b *testing.B) {
	const n = 1000
	f := newFixture(b, AllowAll())
	ctx := context.Background()
	src, err := f.drive.MkdirAll(ctx, "/src")
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := f.drive.CreateFolder(ctx, src.FileID, fmt.Sprintf("f%04d", i), drive.NameRefuse); err != nil {
			b.Fatal(err)
		}
	}
	target := func(b *testing.B, i int) string {
		d, err := f.drive.MkdirAll(ctx, fmt.Sprintf("/dst/%s/%d", b.Name(), i))
		if err != nil {
			b.Fatal(err)
		}
		return d.FileID
	}
	b.Run("native", func(b *testing.B) {
		c := startCPU()
		defer c.report(b)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			to := target(b, i)
			b.StartTimer()
			page, err := f.drive.List(ctx, drive.ListOptions{ParentFileID: src.FileID, Limit: n})
			if err != nil || len(page.Items) != n {
				b.Fatalf("list: %v", err)
			}
			reqs := make([]drive.BatchRequest, n)
			for j, it := range page.Items {
				reqs[j] = drive.BatchRequest{Op: drive.OpCopy, FileID: it.FileID, ToParentID: to}
			}
			if _, err := f.drive.Batch(ctx, reqs, drive.BatchOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, noClose := range []bool{false, true} {
		b.Run(fmt.Sprintf("plugin/interruptible=%v", !noClose), func(b *testing.B) {
			benchBatchPlugin(b, f, newPlugin(b, buildPlugin(b, "all"), pluginOpts{noClose: noClose}), target)
		})
	}
}

func benchBatchPlugin(b *testing.B, f *fixture, p *extism.Plugin, target func(*testing.B, int) string) {
	ctx := context.Background()
	{
		c := startCPU()
		defer c.report(b)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			in, _ := json.Marshal(map[string]any{"local_dir": "/src", "target": target(b, i)})
			b.StartTimer()
			_, out, err := p.CallWithContext(WithEnv(ctx, f.env), "batch_copy", in)
			if err != nil || string(out) != "0" {
				b.Fatalf("batch_copy: %s %v", out, err)
			}
		}
	}
}
