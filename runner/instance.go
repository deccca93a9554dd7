package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/runner/linmem"
)

// instance is one initialized plugin instance. It serves one call at a
// time; out, errw and the pdk logger write to the sink of the current call.
type instance struct {
	p     *extism.Plugin
	calls int
	ready bool        // the guest's initialisation ran (see warm)
	inUse atomic.Bool // set while a call holds the instance
	sink  atomic.Pointer[callSink]
	out   *lineWriter
	errw  *lineWriter
}

// callSink is where one call's output goes.
type callSink struct {
	sink  RunSink
	runID string
}

func (c *callSink) log(level Level, source, msg string) {
	if c == nil || c.sink == nil {
		return
	}
	c.sink.Log(LogLine{RunID: c.runID, Time: time.Now().UTC(), Level: level, Source: source, Msg: msg})
}

func newInstance(ctx context.Context, comp *compiled, config string, mounts []mount) (*instance, error) {
	in := &instance{}
	in.out = &lineWriter{emit: func(s string) { in.sink.Load().log(LevelInfo, "stdout", s) }}
	in.errw = &lineWriter{emit: func(s string) { in.sink.Load().log(stderrLevel(s), "stderr", s) }}
	// Real clocks and randomness (wazero's defaults are deterministic fakes).
	// Nanosleep stays a no-op on purpose: a host-side sleep cannot be
	// interrupted by the call's timeout, a guest spinning can (plugins
	// sleep with the wd_sleep host function, which honours cancellation).
	mc := wazero.NewModuleConfig().WithStdout(in.out).WithStderr(in.errw).
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader)
	for k, v := range guestGCEnv(comp.pages) {
		mc = mc.WithEnv(k, v)
	}
	if fc := fsConfig(mounts); fc != nil {
		mc = mc.WithFSConfig(fc)
	}
	// Modules with loop-header ticks get memories that grow in place
	// (runner/linmem). Modules under wazero's context check do not: wazero
	// closes those from another goroutine while the guest may still run.
	if comp.ticks {
		ctx = experimental.WithMemoryAllocator(ctx, linmem.Allocator())
	}
	p, err := comp.cp.Instance(ctx, extism.PluginInstanceConfig{ModuleConfig: mc})
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	p.Config = map[string]string{"config": config}
	p.SetLogger(func(l extism.LogLevel, msg string) {
		if l <= extism.LogLevelDebug && strings.HasPrefix(msg, "Calling ") {
			return // the SDK's own "Calling function : x" lines
		}
		in.sink.Load().log(pdkLevel(l), "pdk", msg)
	})
	in.p = p
	return in, nil
}

// bind points the instance's output at c for one call; unbind flushes.
func (in *instance) bind(c *callSink) { in.sink.Store(c) }

func (in *instance) unbind() {
	in.out.flush()
	in.errw.flush()
	in.sink.Store(nil)
}

func (in *instance) close() { in.p.Close(context.Background()) }

// initExport is the no-op export warm calls; the Go sdk exports it.
const initExport = "wd_init"

// warm runs the guest's initialisation now instead of in the instance's
// first call. Extism runs a reactor's _initialize (for Go, the runtime and
// every package's init) lazily, just before the first call of any export
// other than _initialize, and remembers that it did; calling _initialize
// directly would leave that flag unset and run it twice. So warm calls
// the no-op wd_init export, which triggers exactly the lazy path. A module
// without wd_init is initialised by its first call, as before. Nothing is
// bound meanwhile: output written during initialisation is dropped, and
// host functions answer that there is no run.
func (in *instance) warm(ctx context.Context, timeout time.Duration) error {
	if in.ready || in.calls > 0 || !in.p.FunctionExists(initExport) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rc, _, err := in.p.CallWithContext(ctx, initExport, nil)
	in.unbind()
	if err != nil {
		return fmt.Errorf("initialise the instance (%s): %w", initExport, err)
	}
	if rc != 0 {
		return fmt.Errorf("initialise the instance: %s returned %d, want 0", initExport, rc)
	}
	in.ready = true
	return nil
}

func pdkLevel(l extism.LogLevel) Level {
	switch l {
	case extism.LogLevelTrace, extism.LogLevelDebug:
		return LevelDebug
	case extism.LogLevelInfo:
		return LevelInfo
	case extism.LogLevelWarn:
		return LevelWarn
	}
	return LevelError
}

// stderrLevel makes Go runtime crash reports errors and other stderr
// output (the log package's default) warnings.
func stderrLevel(s string) Level {
	if strings.HasPrefix(s, "panic:") || strings.HasPrefix(s, "fatal error:") || strings.HasPrefix(s, "runtime:") {
		return LevelError
	}
	return LevelWarn
}

// maxLineBytes caps one captured output line; longer lines are split.
const maxLineBytes = 8 << 10

// maxCapturedBytes caps what one call may write to stdout+stderr; the rest
// is dropped with one notice, so a chatty plugin cannot flood the run log.
const maxCapturedBytes = 4 << 20

// lineWriter turns a stream into log lines.
type lineWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written int
	emit    func(string)
}

// Write splits p into lines and emits the complete ones.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	if w.written >= maxCapturedBytes {
		return n, nil
	}
	w.written += n
	if w.written >= maxCapturedBytes {
		p = p[:max(0, len(p)-(w.written-maxCapturedBytes))]
	}
	w.buf.Write(p)
	for {
		b := w.buf.Bytes()
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(b) >= maxLineBytes {
				w.emit(string(b[:maxLineBytes]))
				w.buf.Next(maxLineBytes)
				continue
			}
			break
		}
		w.emit(strings.TrimRight(string(b[:i]), "\r"))
		w.buf.Next(i + 1)
	}
	if w.written >= maxCapturedBytes {
		w.emit(fmt.Sprintf("(output beyond %d bytes dropped)", maxCapturedBytes))
	}
	return n, nil
}

// flush emits a last partial line and resets the per-call byte budget.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.emit(w.buf.String())
		w.buf.Reset()
	}
	w.written = 0
}

// heapGrown reports whether the guest's linear memory passed half of its
// limit of pages: a Go guest's memory never shrinks, so a big run would
// otherwise leave the next calls on this instance with that much less room
// (and its pages resident) for the rest of its life.
func (in *instance) heapGrown(limitPages uint32) bool {
	m := hostfuncs.PluginModule(in.p)
	if m == nil || m.Memory() == nil || limitPages == 0 {
		return false
	}
	return uint64(m.Memory().Size()) > uint64(limitPages)*65536/2
}

// guestGCEnv tunes a Go guest's collector to its memory limit: collect
// when the heap has grown five-fold (GOGC=400, not the default doubling) or
// nears 40% of limits.memory_pages (GOMEMLIMIT), whichever comes first. A
// collection inside Wasm is slow and costs in proportion to the live heap,
// not the garbage, so fewer of them make host calls, whose answers are
// allocated, markedly cheaper (a drive get from a plugin: ≈23 → ≈12–15 µs
// over native); the guest's memory stays under half the limit, where
// heapGrown would replace the instance; and near the limit the collector
// works harder instead of the guest trapping out of memory. A plugin may
// still set its own (debug.SetGCPercent, debug.SetMemoryLimit); other
// languages ignore the variables.
func guestGCEnv(pages uint32) map[string]string {
	if pages == 0 {
		return nil
	}
	return map[string]string{
		"GOGC":       "400",
		"GOMEMLIMIT": strconv.FormatUint(uint64(pages)*65536*2/5, 10),
	}
}
