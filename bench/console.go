package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
	"github.com/wasmdrive/wasmdrive/web"
	"github.com/wasmdrive/wasmdrive/web/webtest"
)

func init() {
	Register(Suite{
		Name:    "Console",
		Command: "go run ./cmd/wasmdrive-bench --only console",
		Run:     runConsole,
	})
}

// consoleServer serves a console over an in-memory RunService on a
// loopback port until stop is called.
func consoleServer(ctx context.Context, opts web.Options) (mem *webtest.MemRuns, addr string, stop func(), err error) {
	mem = webtest.New(runner.PluginInfo{Name: "bench", Version: "1.0.0", Enabled: true})
	opts.Runs = mem
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := web.New(opts)
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = srv.Serve(sctx, ln); close(done) }()
	return mem, ln.Addr().String(), func() { cancel(); <-done }, nil
}

func benchLine(mem *webtest.MemRuns, run string, i int) (runner.LogLine, error) {
	return mem.Log(run, runner.LevelInfo, fmt.Sprintf("uploaded /backups/2026-11-27/photos/IMG_%05d.jpg", i),
		map[string]any{"bytes": 2_400_000 + i, "ms": 31})
}

// ConsoleFanout logs lines to one run as fast as it can while clients
// websocket clients follow its log, and returns the lines per second each
// client received (from the first log call to the last line at the last
// client). The RunService is in memory: this measures the console.
func ConsoleFanout(ctx context.Context, clients, lines int) (float64, error) {
	// A ring that holds the whole burst measures the hub, not the store.
	mem, addr, stop, err := consoleServer(ctx, web.Options{LogRing: lines + 16})
	if err != nil {
		return 0, err
	}
	defer stop()
	run := mem.Create("bench", "manual", "", nil).ID
	wait, err := followLog(ctx, addr, run, clients)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for i := range lines {
		if _, err := benchLine(mem, run, i); err != nil {
			return 0, err
		}
	}
	if err := wait(lines); err != nil {
		return 0, err
	}
	return float64(lines) / time.Since(start).Seconds(), nil
}

// followLog connects clients websocket clients to the console at addr and
// subscribes each to run's log. wait(n) returns once every client has
// received n lines.
func followLog(ctx context.Context, addr, run string, clients int) (wait func(n int) error, err error) {
	hdr := http.Header{"Origin": {"http://" + addr}}
	type report struct{ client, lines int }
	prog := make(chan report, 1024)
	errc := make(chan error, clients)
	var conns []*websocket.Conn
	closeAll := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	for i := range clients {
		conn, _, err := websocket.DefaultDialer.DialContext(ctx, "ws://"+addr+"/ws", hdr)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("dial: %w", err)
		}
		conns = append(conns, conn)
		if err := conn.WriteJSON(map[string]any{"op": "sub", "topic": "log", "run": run}); err != nil {
			closeAll()
			return nil, err
		}
		go func() {
			n := 0
			for {
				_, msg, err := conn.ReadMessage()
				if err != nil {
					errc <- fmt.Errorf("client after %d lines: %w", n, err)
					return
				}
				if k := bytes.Count(msg, []byte(`{"seq":`)); k > 0 {
					n += k
					prog <- report{i, n}
				}
			}
		}()
	}
	return func(n int) error {
		defer closeAll()
		got := make([]int, clients)
		behind := clients
		for behind > 0 {
			select {
			case r := <-prog:
				if got[r.client] < n && r.lines >= n {
					behind--
				}
				got[r.client] = r.lines
			case err := <-errc:
				return err
			case <-time.After(time.Minute):
				return fmt.Errorf("%d clients still short of %d lines after a minute without progress", behind, n)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}, nil
}

// lineCaller is a plugin host stand-in that logs its input's number of
// lines as fast as the sink takes them.
type lineCaller struct{}

func (lineCaller) Call(_ context.Context, req runner.CallRequest, sink runner.RunSink) (*runner.CallResult, error) {
	var in struct{ Lines int }
	_ = json.Unmarshal(req.Input, &in)
	for i := range in.Lines {
		sink.Log(runner.LogLine{Time: time.Now(), Level: runner.LevelInfo, Source: "plugin",
			Msg: fmt.Sprintf("uploaded /backups/2026-11-27/photos/IMG_%05d.jpg", i), Fields: map[string]any{"bytes": 2_400_000 + i, "ms": 31}})
	}
	return &runner.CallResult{Plugin: req.Plugin, Version: "1.0.0"}, nil
}

type benchCatalog struct{}

func (benchCatalog) Plugins(context.Context) ([]runner.PluginInfo, error) {
	return []runner.PluginInfo{{Name: "bench", Version: "1.0.0", Enabled: true}}, nil
}
func (benchCatalog) SetEnabled(context.Context, string, bool) error { return nil }

// ConsoleFanoutJetStream is ConsoleFanout end to end: a run queued on the
// embedded NATS server logs lines through the run queue's sink into
// JetStream, and the console's one watch fans them out to the clients. It
// also returns how many lines the sink dropped.
func ConsoleFanoutJetStream(ctx context.Context, dir string, clients, lines int) (rate float64, dropped int, err error) {
	nc, err := natsx.Open(ctx, natsx.Options{DataDir: dir, Name: "bench-console"})
	if err != nil {
		return 0, 0, err
	}
	defer nc.Close()
	q, err := queue.Setup(ctx, nc, queue.Options{Node: "bench", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return 0, 0, err
	}
	wctx, cancel := context.WithCancel(ctx)
	wdone := make(chan struct{})
	go func() { _ = queue.NewWorker(q, lineCaller{}, queue.WorkerOptions{Slots: 1}).Run(wctx); close(wdone) }()
	defer func() { cancel(); <-wdone }()
	svc := &queue.Service{Q: q, Catalog: benchCatalog{}}
	srv, err := web.New(web.Options{Runs: svc, LogRing: lines + 16, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return 0, 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	sctx, scancel := context.WithCancel(ctx)
	sdone := make(chan struct{})
	go func() { _ = srv.Serve(sctx, ln); close(sdone) }()
	defer func() { scancel(); <-sdone }()
	start := time.Now()
	rec, err := svc.Trigger(ctx, "bench", "", json.RawMessage(fmt.Sprintf(`{"lines":%d}`, lines)), "")
	if err != nil {
		return 0, 0, err
	}
	wait, err := followLog(ctx, ln.Addr().String(), rec.ID, clients)
	if err != nil {
		return 0, 0, err
	}
	// The queue's sink publishes asynchronously and may shed lines under a
	// flood; wait for what the store holds once the run is over.
	for {
		r, err := svc.GetRun(ctx, rec.ID)
		if err != nil {
			return 0, 0, err
		}
		if r.Status == runner.StatusSucceeded || r.Status == runner.StatusFailed || r.Status == runner.StatusDead {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	select { // the sink's publishes still in flight
	case <-q.JS.PublishAsyncComplete():
	case <-time.After(10 * time.Second):
	}
	stored, err := svc.Logs(ctx, rec.ID, 0, 0)
	if err != nil {
		return 0, 0, err
	}
	if err := wait(len(stored)); err != nil {
		return 0, 0, err
	}
	return float64(len(stored)) / time.Since(start).Seconds(), lines - len(stored), nil
}

// latencyJS records, per log line, when its websocket message reached the
// page and when its line was added to the DOM (wall-clock ms).
// performance.timeOrigin can be tens of ms off the system clock, so the
// high-resolution clock is anchored to Date.now() (the system clock, which
// Go's time.Now reads too) when the probe is installed.
const latencyJS = `(() => {
  window.__arr = []; window.__dom = [];
  const base = Date.now() - performance.now();
  window.__skew = performance.timeOrigin - base;
  wasmdrive.live.ws.addEventListener("message", (ev) => {
    const t = base + performance.now();
    for (const m of String(ev.data).matchAll(/"seq":(\d+),"run_id"/g)) __arr.push([Number(m[1]), t]);
  });
  new MutationObserver((muts) => {
    const t = base + performance.now();
    for (const m of muts) for (const n of m.addedNodes) if (n.dataset && n.dataset.seq) __dom.push([Number(n.dataset.seq), t]);
  }).observe(document.getElementById("log"), { childList: true });
})()`

// ConsoleLatency logs n lines, one every gap, to a run open in headless
// Chromium, and returns the latencies (ms) from each log call to its
// websocket message in the page and to its line in the DOM.
func ConsoleLatency(ctx context.Context, n int, gap time.Duration) (msg, dom []float64, err error) {
	path := webtest.ChromiumPath()
	if path == "" {
		return nil, nil, errors.New("no chromium: install it (apt-get install chromium) or set CHROME_PATH")
	}
	bctx, bstop, err := webtest.StartBrowser(path)
	if err != nil {
		return nil, nil, err
	}
	defer bstop()
	mem, addr, stop, err := consoleServer(ctx, web.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer stop()
	run := mem.Create("bench", "manual", "", nil).ID
	_ = mem.Start(run)
	tctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	tctx, cancel2 := context.WithTimeout(tctx, 2*time.Minute)
	defer cancel2()
	err = chromedp.Do(tctx,
		chromedp.Navigate("http://"+addr+"/#/runs/"+run),
		chromedp.Poll[chromedp.Void](`document.getElementById("streaming") && document.getElementById("streaming").dataset.on === "true"`),
		chromedp.Evaluate[chromedp.Void](latencyJS))
	if err != nil {
		return nil, nil, fmt.Errorf("open the run page: %w", err)
	}
	sent := make(map[uint64]float64, n)
	for i := range n {
		t := time.Now()
		l, err := benchLine(mem, run, i)
		if err != nil {
			return nil, nil, err
		}
		sent[l.Seq] = float64(t.UnixMicro()) / 1000
		time.Sleep(gap)
	}
	if err := chromedp.Do(tctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.__dom.length >= %d`, n))); err != nil {
		return nil, nil, fmt.Errorf("waiting for the lines in the page: %w", err)
	}
	lat := func(expr string) ([]float64, error) {
		pairs, err := chromedp.Run(tctx, chromedp.Evaluate[[][2]float64](expr))
		if err != nil {
			return nil, err
		}
		out := make([]float64, 0, len(pairs))
		for _, p := range pairs {
			if s, ok := sent[uint64(p[0])]; ok {
				out = append(out, p[1]-s)
			}
		}
		slices.Sort(out)
		return out, nil
	}
	if msg, err = lat(`window.__arr`); err != nil {
		return nil, nil, err
	}
	dom, err = lat(`window.__dom`)
	return msg, dom, err
}

// percentile of sorted values, p in [0, 100].
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[i]
}

func runConsole(ctx context.Context, cfg Config) ([]Row, error) {
	const clients = 50
	lines, n := 50_000, 1000
	if cfg.Quick {
		lines, n = 5_000, 200
	}
	var rows []Row
	rate, err := ConsoleFanout(ctx, clients, lines)
	if err != nil {
		return rows, fmt.Errorf("fan-out: %w", err)
	}
	rows = append(rows,
		Row{Name: fmt.Sprintf("log lines/s of one run received by each of %d websocket clients", clients), Value: rate, Unit: "lines/s",
			Note: fmt.Sprintf("%d lines logged as fast as possible; in-memory RunService; loopback", lines)},
		Row{Name: fmt.Sprintf("log lines/s delivered in total (%d clients)", clients), Value: rate * clients, Unit: "lines/s"})
	jsRate, dropped, err := ConsoleFanoutJetStream(ctx, filepath.Join(cfg.Dir, "console-nats"), clients, lines)
	if err != nil {
		return rows, fmt.Errorf("fan-out over JetStream: %w", err)
	}
	rows = append(rows, Row{Name: fmt.Sprintf("log lines/s of one run through JetStream to each of %d clients", clients), Value: jsRate, Unit: "lines/s",
		Peer: "in-memory RunService", Ratio: jsRate / rate,
		Note: fmt.Sprintf("run queued, plugin logs via the queue's sink, one JetStream watch fanned out; the sink's async publish dropped %d of %d lines", dropped, lines)})
	const gap = 10 * time.Millisecond // 100 lines/s: a busy plugin the page can follow
	msg, dom, err := ConsoleLatency(ctx, n, gap)
	if err != nil {
		return rows, fmt.Errorf("latency: %w", err)
	}
	note := fmt.Sprintf("%d lines, one every %s; headless Chromium; page clock anchored to Date.now()", n, gap)
	rows = append(rows,
		Row{Name: "log call → websocket message in the page, p50", Value: percentile(msg, 50), Unit: "ms", Note: note},
		Row{Name: "log call → websocket message in the page, p99", Value: percentile(msg, 99), Unit: "ms"},
		Row{Name: "log call → line in the DOM, p50", Value: percentile(dom, 50), Unit: "ms", Note: "the page renders once per animation frame"},
		Row{Name: "log call → line in the DOM, p99", Value: percentile(dom, 99), Unit: "ms"})
	return rows, nil
}
