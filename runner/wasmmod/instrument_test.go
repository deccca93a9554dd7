package wasmmod

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

const tickCode = 0xFFFE

var testTick = Tick{Module: "extism:host/user", Name: "wd_call", Code: tickCode}

// tickHost runs an instrumented module with a wd_call that counts ticks
// and ends the call once ctx is done, as hostfuncs does.
type tickHost struct {
	ticks, calls int
}

func (h *tickHost) instantiate(t *testing.T, ctx context.Context, wasm []byte) api.Module {
	t.Helper()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(context.Background()) })
	_, err := r.NewHostModuleBuilder("extism:host/user").NewFunctionBuilder().
		WithGoFunction(api.GoFunc(func(ctx context.Context, stack []uint64) {
			if stack[0] != tickCode {
				h.calls++
				stack[0] = 42
				return
			}
			h.ticks++
			if ctx.Err() != nil {
				panic(sys.NewExitError(sys.ExitCodeDeadlineExceeded))
			}
			stack[0] = TickFuel
		}), []api.ValueType{api.ValueTypeI64, api.ValueTypeI64, api.ValueTypeI64}, []api.ValueType{api.ValueTypeI64}).
		Export("wd_call").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatalf("instantiate the instrumented module: %v", err)
	}
	return m
}

func instrumentedLoop(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/loop.wasm") // wat2wasm testdata/loop.wat
	if err != nil {
		t.Fatal(err)
	}
	out, err := Instrument(b, testTick)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInstrumentTicks(t *testing.T) {
	tests := []struct {
		fn        string
		args      []uint64
		want      uint64
		wantTicks int
	}{
		// Every loop header spends one unit of fuel; the first header
		// after TickFuel of them ticks.
		{"spin", []uint64{10}, 10, 0},
		{"spin", []uint64{TickFuel - 1}, TickFuel - 1, 0}, // TickFuel headers: n iterations + the exit check
		{"spin", []uint64{TickFuel}, TickFuel, 1},
		{"spin", []uint64{200000}, 200000, 200000 / TickFuel},
		{"nested", []uint64{300, 1000}, 300000, (300*1000 + 300 - 1) / TickFuel},
	}
	for _, tt := range tests {
		h := &tickHost{}
		m := h.instantiate(t, context.Background(), instrumentedLoop(t))
		res, err := m.ExportedFunction(tt.fn).Call(context.Background(), tt.args...)
		if err != nil {
			t.Fatalf("%s%v: %v", tt.fn, tt.args, err)
		}
		if res[0] != tt.want || h.ticks != tt.wantTicks {
			t.Errorf("%s%v = %d with %d ticks, want %d with %d", tt.fn, tt.args, res[0], h.ticks, tt.want, tt.wantTicks)
		}
	}
	// The module's own calls to wd_call are untouched.
	h := &tickHost{}
	m := h.instantiate(t, context.Background(), instrumentedLoop(t))
	if res, err := m.ExportedFunction("call").Call(context.Background()); err != nil || res[0] != 42 || h.calls != 1 {
		t.Errorf("call = %v, %v (calls %d)", res, err, h.calls)
	}
}

func TestInstrumentStopsRunaway(t *testing.T) {
	h := &tickHost{}
	m := h.instantiate(t, context.Background(), instrumentedLoop(t))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := m.ExportedFunction("forever").Call(ctx)
	var exit *sys.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != sys.ExitCodeDeadlineExceeded {
		t.Fatalf("forever: %v, want a deadline exit", err)
	}
	if h.ticks == 0 {
		t.Error("no tick reached the host")
	}
}

func TestInstrumentRefuses(t *testing.T) {
	min, err := os.ReadFile("testdata/min.wasm")
	if err != nil {
		t.Fatal(err)
	}
	loop, err := os.ReadFile("testdata/loop.wasm")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		tick Tick
		want error
	}{
		{"no wd_call import", min, testTick, ErrNoTickImport},
		{"other name", loop, Tick{Module: "extism:host/user", Name: "other"}, ErrNoTickImport},
		{"not wasm", []byte("hello world"), testTick, ErrNotWasm},
	}
	for _, tt := range tests {
		if _, err := Instrument(tt.in, tt.tick); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// Cut inside the code section (the last one): always an error.
	for n := len(loop) - 40; n < len(loop); n += 3 {
		if _, err := Instrument(loop[:n], testTick); err == nil {
			t.Errorf("truncated at %d of %d: no error", n, len(loop))
		}
	}
}

// FuzzInstrument: hostile modules never panic the instrumenter, and what
// it produces is a well-formed module it can read again (instrumenting it
// once more succeeds and only grows it). Whether wazero accepts the output
// is checked on real modules by the tests above and the plugin tests
// (wazero itself can take minutes on some hostile inputs).
func FuzzInstrument(f *testing.F) {
	for _, name := range []string{"testdata/loop.wasm", "testdata/min.wasm"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Instrument(b, testTick)
		if err != nil {
			return
		}
		again, err := Instrument(out, testTick)
		if err != nil {
			t.Fatalf("output cannot be read again: %v", err)
		}
		if len(again) < len(out) {
			t.Fatalf("instrumenting again shrank the module: %d -> %d bytes", len(out), len(again))
		}
	})
}
