package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

// funcCaller is a runner.Caller backed by Go functions keyed by plugin
// name, standing in for the Wasm host in these queue tests.
type funcCaller map[string]func(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (json.RawMessage, error)

func (f funcCaller) Call(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (*runner.CallResult, error) {
	fn, ok := f[req.Plugin]
	if !ok {
		return nil, Permanent(fmt.Errorf("%w %q", ErrUnknownPlugin, req.Plugin))
	}
	out, err := fn(ctx, req, sink)
	return &runner.CallResult{Plugin: req.Plugin, Version: "1.0.0", Output: out}, err
}

type env struct {
	q   *Queue
	svc *Service
}

func setup(t *testing.T, caller runner.Caller, pol func(string) Policy) *env {
	t.Helper()
	c, err := natsx.Open(context.Background(), natsx.Options{DataDir: t.TempDir(), Name: "queue-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	q, err := Setup(context.Background(), c, Options{Node: "n1", AckWait: time.Second, LeaseTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := NewWorker(q, caller, WorkerOptions{Slots: 4, Policy: pol, Grace: 200 * time.Millisecond, LeaseWait: 50 * time.Millisecond})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &env{q: q, svc: &Service{Q: q}}
}

// waitFinal watches records until run id reaches a final status.
func (e *env) waitFinal(t *testing.T, id string) *runner.RunRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		r, err := e.svc.GetRun(ctx, id)
		if err == nil && final(r.Status) {
			return r
		}
		select {
		case <-ctx.Done():
			t.Fatalf("run %s did not finish: %+v %v", id, r, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestRunSucceedsWithLogs(t *testing.T) {
	e := setup(t, funcCaller{"echo": func(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (json.RawMessage, error) {
		sink.Log(runner.LogLine{Msg: "hello", Source: "plugin"})
		sink.Progress(runner.Progress{Done: 1, Total: 1})
		sink.Log(runner.LogLine{Msg: "bye", Source: "plugin"})
		return req.Input, nil
	}}, nil)
	ctx := context.Background()
	rec, err := e.svc.Trigger(ctx, "echo", "", json.RawMessage(`{"a":1}`), "")
	if err != nil {
		t.Fatal(err)
	}
	got := e.waitFinal(t, rec.ID)
	if got.Status != runner.StatusSucceeded || string(got.Result) != `{"a":1}` || got.Attempt != 1 || got.Node != "n1" || got.Version != "1.0.0" {
		t.Fatalf("record = %+v", got)
	}
	lines, err := e.svc.Logs(ctx, rec.ID, 0, 0)
	if err != nil || len(lines) != 2 || lines[0].Msg != "hello" || lines[1].Seq <= lines[0].Seq {
		t.Fatalf("logs = %+v, %v", lines, err)
	}
	after, err := e.svc.Logs(ctx, rec.ID, lines[0].Seq, 0)
	if err != nil || len(after) != 1 || after[0].Msg != "bye" {
		t.Fatalf("logs after %d = %+v, %v", lines[0].Seq, after, err)
	}
	runs, err := e.svc.ListRuns(ctx, runner.RunFilter{Plugin: "echo"})
	if err != nil || len(runs) != 1 || runs[0].ID != rec.ID {
		t.Fatalf("list = %v, %v", runs, err)
	}
}

func TestIdempotencyKey(t *testing.T) {
	var calls atomic.Int32
	e := setup(t, funcCaller{"p": func(context.Context, runner.CallRequest, runner.RunSink) (json.RawMessage, error) {
		calls.Add(1)
		return nil, nil
	}}, nil)
	ctx := context.Background()
	a, err := e.svc.Trigger(ctx, "p", "", nil, "k1")
	if err != nil {
		t.Fatal(err)
	}
	e.waitFinal(t, a.ID)
	b, err := e.svc.Trigger(ctx, "p", "", nil, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != a.ID || b.Status != runner.StatusSucceeded {
		t.Fatalf("duplicate trigger gave %+v, want the first run %s", b, a.ID)
	}
	c, err := e.svc.Trigger(ctx, "p", "", nil, "k2")
	if err != nil {
		t.Fatal(err)
	}
	e.waitFinal(t, c.ID)
	if n := calls.Load(); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
}

func TestRetryThenDeadLetterThenReplay(t *testing.T) {
	var calls atomic.Int32
	var fail atomic.Bool
	fail.Store(true)
	e := setup(t, funcCaller{"flaky": func(context.Context, runner.CallRequest, runner.RunSink) (json.RawMessage, error) {
		calls.Add(1)
		if fail.Load() {
			return nil, errors.New("boom")
		}
		return json.RawMessage(`"ok"`), nil
	}}, func(string) Policy {
		return Policy{MaxAttempts: 3, Backoff: []time.Duration{10 * time.Millisecond}}
	})
	ctx := context.Background()
	rec, err := e.svc.Trigger(ctx, "flaky", "", json.RawMessage(`{"x":2}`), "")
	if err != nil {
		t.Fatal(err)
	}
	got := e.waitFinal(t, rec.ID)
	if got.Status != runner.StatusDead || got.Attempt != 3 || got.Error != "boom" || calls.Load() != 3 {
		t.Fatalf("record = %+v, calls %d", got, calls.Load())
	}
	info, err := e.q.DLQ.Info(ctx)
	if err != nil || info.State.Msgs != 1 {
		t.Fatalf("dlq: %+v %v", info, err)
	}
	fail.Store(false)
	re, err := e.svc.Retry(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	got = e.waitFinal(t, re.ID)
	if got.Status != runner.StatusSucceeded || got.Trigger != "retry:"+rec.ID || string(got.Input) != `{"x":2}` {
		t.Fatalf("replay = %+v", got)
	}
}

func TestPermanentErrorFailsAtOnce(t *testing.T) {
	e := setup(t, funcCaller{}, nil)
	rec, _, err := e.q.Enqueue(context.Background(), &Request{Plugin: "nosuch"}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := e.waitFinal(t, rec.ID)
	if got.Status != runner.StatusFailed || got.Attempt != 1 {
		t.Fatalf("record = %+v", got)
	}
}

func TestConcurrencyLimitHolds(t *testing.T) {
	var cur, peak atomic.Int32
	e := setup(t, funcCaller{"one": func(context.Context, runner.CallRequest, runner.RunSink) (json.RawMessage, error) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		cur.Add(-1)
		return nil, nil
	}}, func(string) Policy { return Policy{MaxConcurrency: 1} })
	var ids []string
	for i := 0; i < 5; i++ {
		r, err := e.svc.Trigger(context.Background(), "one", "", nil, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	for _, id := range ids {
		if r := e.waitFinal(t, id); r.Status != runner.StatusSucceeded {
			t.Fatalf("run %s: %+v", id, r)
		}
	}
	if p := peak.Load(); p != 1 {
		t.Fatalf("peak concurrency = %d, want 1", p)
	}
}

func TestCancelRunning(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	e := setup(t, funcCaller{"long": func(ctx context.Context, _ runner.CallRequest, _ runner.RunSink) (json.RawMessage, error) {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return nil, ctx.Err()
	}}, nil)
	rec, err := e.svc.Trigger(context.Background(), "long", "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	<-started
	if err := e.svc.Cancel(context.Background(), rec.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.waitFinal(t, rec.ID); got.Status != runner.StatusCancelled {
		t.Fatalf("record = %+v", got)
	}
}

func TestMalformedRequestIsDropped(t *testing.T) {
	var calls atomic.Int32
	e := setup(t, funcCaller{"p": func(context.Context, runner.CallRequest, runner.RunSink) (json.RawMessage, error) {
		calls.Add(1)
		return nil, nil
	}}, nil)
	ctx := context.Background()
	for _, bad := range []string{`not json`, `{"plugin":"p"}`, `{"id":"x y","plugin":"p"}`} {
		if _, err := e.q.JS.Publish(ctx, RunSubject("p"), []byte(bad)); err != nil {
			t.Fatal(err)
		}
	}
	// A good request behind them still runs.
	rec, err := e.svc.Trigger(ctx, "p", "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e.waitFinal(t, rec.ID)
	if calls.Load() != 1 {
		t.Fatalf("calls = %d", calls.Load())
	}
}

func TestUnknownPluginRejectedByTrigger(t *testing.T) {
	e := setup(t, funcCaller{}, nil)
	e.svc.Catalog = staticCatalog{{Name: "backup", Enabled: true}}
	_, err := e.svc.Trigger(context.Background(), "nope", "", nil, "")
	if !errors.Is(err, ErrUnknownPlugin) {
		t.Fatalf("err = %v", err)
	}
}

type staticCatalog []runner.PluginInfo

func (c staticCatalog) Plugins(context.Context) ([]runner.PluginInfo, error) { return c, nil }
func (c staticCatalog) SetEnabled(context.Context, string, bool) error       { return nil }

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"id":"a","plugin":"p","input":{"x":1}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"a","plugin":"p","input":"x`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRequest(b)
		if err == nil && (r.ID == "" || r.Plugin == "") {
			t.Fatalf("accepted %q", b)
		}
	})
}

func TestListRunsWidensWindow(t *testing.T) {
	e := setup(t, funcCaller{}, nil)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// 100 old runs of "b", then 900 newer runs of "a": b's records lie
	// outside the first window of the scan.
	for i := 0; i < 1000; i++ {
		plugin := "a"
		if i < 100 {
			plugin = "b"
		}
		r := &runner.RunRecord{ID: fmt.Sprintf("r%04d", i), Plugin: plugin, Status: runner.StatusSucceeded, Queued: t0.Add(time.Duration(i) * time.Second)}
		e.q.putRecordAsync(r)
	}
	select {
	case <-e.q.JS.PublishAsyncComplete():
	case <-time.After(10 * time.Second):
		t.Fatal("records not written")
	}
	// A later update of an old run moves it into the window.
	if err := e.q.putRecord(ctx, &runner.RunRecord{ID: "r0000", Plugin: "b", Status: runner.StatusFailed, Queued: t0}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		f     runner.RunFilter
		n     int
		first string
	}{
		{runner.RunFilter{Limit: 5}, 5, "r0999"},
		{runner.RunFilter{Plugin: "b", Limit: 50}, 50, "r0099"},
		{runner.RunFilter{Plugin: "b", Limit: 500}, 100, "r0099"},
		{runner.RunFilter{Status: runner.StatusFailed}, 1, "r0000"},
	}
	for _, tt := range tests {
		got, err := e.svc.ListRuns(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.n || got[0].ID != tt.first {
			t.Errorf("ListRuns(%+v) = %d runs starting %v, want %d starting %s", tt.f, len(got), got[0].ID, tt.n, tt.first)
		}
	}
}
