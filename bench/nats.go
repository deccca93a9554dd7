package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/wasmdrive/wasmdrive/app"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

func init() {
	Register(Suite{Name: "Triggers and runs", Command: "go run ./cmd/wasmdrive-bench --only 'Triggers and runs'", Run: runNATSBench})
}

// pubHeader carries the publish time (unix ns) of a latency probe event.
const pubHeader = "X-Bench-Pub"

// natsNode is an app node on a scratch data folder running the relay test
// plugin (app/testdata/plugins/relay) through the real plugin host.
func natsNode(ctx context.Context, dir string, wrap func(runner.Caller) runner.Caller) (*app.App, func(), error) {
	root, err := runner.SourceRoot()
	if err != nil {
		return nil, nil, fmt.Errorf("nats bench: %w", err)
	}
	cfg, err := config.Load("", []string{}, map[string]any{
		"data_dir": dir, "plugins.dirs": []string{filepath.Join(root, "app", "testdata", "plugins")},
		"plugins.disable_builtins": true, "node_name": "bench", "console.disabled": true,
		"plugins.enabled.relay.triggers": []map[string]any{{"subject": "bench.evt.>", "entry": "noop"}},
	})
	if err != nil {
		return nil, nil, err
	}
	a, err := app.New(ctx, app.Options{Config: cfg, WrapCaller: wrap, Slots: 16, NoConsole: true})
	if err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = a.Run(rctx); close(done) }()
	return a, func() { cancel(); <-done }, nil
}

// entryTimer records when each call enters the plugin host.
type entryTimer struct {
	next runner.Caller
	c    chan time.Duration
	n    atomic.Int64
}

func (e *entryTimer) Call(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (*runner.CallResult, error) {
	var ev struct {
		Headers map[string]string `json:"headers"`
	}
	if json.Unmarshal(req.Input, &ev) == nil {
		if ns, err := strconv.ParseInt(ev.Headers[pubHeader], 10, 64); err == nil {
			e.c <- time.Since(time.Unix(0, ns))
		}
	}
	res, err := e.next.Call(ctx, req, sink)
	e.n.Add(1)
	return res, err
}

func runNATSBench(ctx context.Context, cfg Config) ([]Row, error) {
	dir, err := os.MkdirTemp(cfg.Dir, "nats-")
	if err != nil {
		return nil, fmt.Errorf("nats bench: %w", err)
	}
	defer os.RemoveAll(dir)
	events, runs, items := 1000, 5000, 100000
	if cfg.Quick {
		events, runs, items = 200, 1000, 10000
	}
	var rows []Row
	lat, err := benchEventLatency(ctx, filepath.Join(dir, "lat"), events)
	if err != nil {
		return nil, err
	}
	rows = append(rows, lat...)
	tp, err := benchRunThroughput(ctx, filepath.Join(dir, "tp"), runs)
	if err != nil {
		return rows, err
	}
	rows = append(rows, tp)
	bc, err := benchBatchCopy(ctx, filepath.Join(dir, "batch"), items)
	return append(rows, bc...), err
}

func goal(ok bool) *bool { return &ok }

// benchEventLatency publishes events one at a time on the embedded server
// and times publish → plugin host entry (through the event stream, the
// trigger consumer, the run stream and a worker).
func benchEventLatency(ctx context.Context, dir string, n int) ([]Row, error) {
	var et *entryTimer
	a, stop, err := natsNode(ctx, dir, func(c runner.Caller) runner.Caller {
		et = &entryTimer{next: c, c: make(chan time.Duration, 1)}
		return et
	})
	if err != nil {
		return nil, err
	}
	defer stop()
	nc := a.Conn.NC
	var lats []time.Duration
	for i := 0; i < n+50; i++ {
		m := nats.NewMsg("bench.evt.x")
		m.Data = []byte(`{"i":` + strconv.Itoa(i) + `}`)
		m.Header.Set(pubHeader, strconv.FormatInt(time.Now().UnixNano(), 10))
		if err := nc.PublishMsg(m); err != nil {
			return nil, err
		}
		select {
		case d := <-et.c:
			if i >= 50 { // warm-up
				lats = append(lats, d)
			}
		case <-time.After(10 * time.Second):
			return nil, fmt.Errorf("nats bench: event %d never reached the plugin", i)
		}
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	p50, p99 := lats[len(lats)/2], lats[len(lats)*99/100]
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return []Row{
		{Name: fmt.Sprintf("event published → plugin entry, p50 (%d events, embedded server)", n), Value: ms(p50), Unit: "ms", Goal: "≤ 1", Met: goal(p50 <= time.Millisecond)},
		{Name: "event published → plugin entry, p99", Value: ms(p99), Unit: "ms", Goal: "≤ 5", Met: goal(p99 <= 5*time.Millisecond)},
	}, nil
}

// benchRunThroughput queues n runs of the no-op entry and times until all
// have succeeded records.
func benchRunThroughput(ctx context.Context, dir string, n int) (Row, error) {
	a, stop, err := natsNode(ctx, dir, nil)
	if err != nil {
		return Row{}, err
	}
	defer stop()
	// The watch only says when to look: a watcher that falls behind can
	// skip record versions, so completion is read from each run's record,
	// and the time is taken from the last run's end.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var done atomic.Int64
	go func() {
		_ = a.Service.WatchRuns(wctx, func(r *runner.RunRecord) {
			if r.Status == runner.StatusSucceeded {
				done.Add(1)
			}
		})
	}()
	time.Sleep(100 * time.Millisecond) // let the watcher start
	t0 := time.Now()
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		rec, _, err := a.Queue.Enqueue(ctx, &queue.Request{Plugin: "relay", Entry: "noop"}, "")
		if err != nil {
			return Row{}, err
		}
		ids = append(ids, rec.ID)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for prev, since := int64(-1), time.Now(); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		d := done.Load()
		if d >= int64(n) {
			break
		}
		if d != prev {
			prev, since = d, time.Now()
		} else if time.Since(since) > 2*time.Second {
			break // no news: check the records
		}
	}
	var last time.Time
	for len(ids) > 0 {
		if time.Now().After(deadline) {
			return Row{}, fmt.Errorf("nats bench: %d of %d runs did not succeed within 5 minutes", len(ids), n)
		}
		rest := ids[:0]
		for _, id := range ids {
			r, err := a.Queue.GetRun(ctx, id)
			if err != nil || r.Status != runner.StatusSucceeded {
				rest = append(rest, id)
				continue
			}
			if r.Ended.After(last) {
				last = r.Ended
			}
		}
		if ids = rest; len(ids) > 0 {
			time.Sleep(500 * time.Millisecond)
		}
	}
	elapsed := last.Sub(t0)
	rate := float64(n) / elapsed.Seconds()
	return Row{Name: fmt.Sprintf("runs/s of a no-op plugin through the full queue path, one node (%d runs)", n),
		Value: rate, Unit: "runs/s", Goal: "≥ 1000", Met: goal(rate >= 1000),
		Note: "queued record, request, fetch, running+succeeded records, ack; real Wasm call"}, nil
}
