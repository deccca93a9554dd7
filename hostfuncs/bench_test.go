package hostfuncs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
