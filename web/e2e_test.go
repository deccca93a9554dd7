package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// stepCaller stands in for the Wasm host: it logs the number of lines its
// input asks for, reports progress, and fails when asked.
type stepCaller struct{}

func (stepCaller) Call(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (*runner.CallResult, error) {
	var in struct {
		Lines int  `json:"lines"`
		Fail  bool `json:"fail"`
	}
	_ = json.Unmarshal(req.Input, &in)
	for i := range in.Lines {
		sink.Log(runner.LogLine{Time: time.Now(), Level: runner.LevelInfo, Source: "plugin", Msg: fmt.Sprintf("step %d", i), Fields: map[string]any{"i": i}})
		sink.Progress(runner.Progress{Done: int64(i + 1), Total: int64(in.Lines), Unit: "steps"})
	}
	res := &runner.CallResult{Plugin: req.Plugin, Version: "1.2.0", Output: json.RawMessage(`{"steps":` + fmt.Sprint(in.Lines) + `}`)}
	if in.Fail {
		return res, queue.Permanent(errors.New("disk full"))
	}
	return res, nil
}

// catalog is a fixed plugin list with enable switches.
type catalog struct {
	mu      sync.Mutex
	plugins []runner.PluginInfo
}

func (c *catalog) Plugins(context.Context) ([]runner.PluginInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]runner.PluginInfo(nil), c.plugins...), nil
}

func (c *catalog) SetEnabled(_ context.Context, name string, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.plugins {
		if c.plugins[i].Name == name {
			c.plugins[i].Enabled = on
			return nil
		}
	}
	return fmt.Errorf("plugin %q not found", name)
}

// jetstreamServer is a console over the real RunService: an embedded NATS
// server with JetStream, the run queue and one worker.
func jetstreamServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an embedded NATS server")
	}
	ctx := context.Background()
	c, err := natsx.Open(ctx, natsx.Options{DataDir: t.TempDir(), Name: "web-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	q, err := queue.Setup(ctx, c, queue.Options{Node: "n1", AckWait: time.Second, LeaseTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	w := queue.NewWorker(q, stepCaller{}, queue.WorkerOptions{Slots: 2, Grace: 200 * time.Millisecond, LeaseWait: 50 * time.Millisecond})
	go func() { _ = w.Run(wctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	opts.Runs = &queue.Service{Q: q, Catalog: &catalog{plugins: fixturePlugins()}}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); hs.Close() })
	return &testServer{Server: s, http: hs}
}

// waitStatus reads run frames until run id has the status.
func (c *wsClient) waitStatus(id, status string) runner.RunRecord {
	c.t.Helper()
	for {
		var rec runner.RunRecord
		if err := json.Unmarshal(c.waitFor("run").Run, &rec); err != nil {
			c.t.Fatal(err)
		}
		if rec.ID == id && rec.Status == status {
			return rec
		}
	}
}

// Over JetStream: run now, its log streamed live over the websocket, its
// status changes, a failure, and a retry.
func TestJetStreamEndToEnd(t *testing.T) {
	ts := jetstreamServer(t, Options{Token: "tok"})
	ws := ts.dial(t, map[string][]string{"Authorization": {"Bearer tok"}})
	ws.send(map[string]any{"op": "sub", "topic": "runs"})
	ws.waitFor("runs")

	var rec runner.RunRecord
	if code := api(t, ts, "POST", "/api/plugins/backup/run", `{"lines":60}`, &rec); code != 202 {
		t.Fatalf("run now: %d", code)
	}
	ws.send(subLog(rec.ID, 0))
	var done runner.RunRecord
	var got []runner.LogLine
	for len(got) < 60 || done.Status != runner.StatusSucceeded {
		fs, err := ws.next()
		if err != nil {
			t.Fatalf("after %d lines, status %q: %v", len(got), done.Status, err)
		}
		for _, f := range fs {
			switch f.T {
			case "log":
				got = append(got, f.Lines...)
			case "run":
				var r runner.RunRecord
				if err := json.Unmarshal(f.Run, &r); err == nil && r.ID == rec.ID && r.Status == runner.StatusSucceeded {
					done = r
				}
			}
		}
	}
	for i, l := range got {
		if l.Msg != fmt.Sprintf("step %d", i) || (i > 0 && l.Seq <= got[i-1].Seq) {
			t.Fatalf("line %d = %q seq %d: out of order, missing or repeated", i, l.Msg, l.Seq)
		}
	}
	if string(done.Result) != `{"steps":60}` {
		t.Errorf("result = %s", done.Result)
	}

	var bad runner.RunRecord
	api(t, ts, "POST", "/api/plugins/backup/run", `{"lines":3,"fail":true}`, &bad)
	failed := ws.waitStatus(bad.ID, runner.StatusFailed)
	if failed.Error == "" {
		t.Errorf("failed run has no error")
	}
	var retry runner.RunRecord
	if code := api(t, ts, "POST", "/api/runs/"+bad.ID+"/retry", "", &retry); code != 201 {
		t.Fatalf("retry: %d", code)
	}
	ws.waitStatus(retry.ID, runner.StatusFailed) // same input, same failure

	// The whole log downloads from the store.
	code, text := do(t, "GET", ts.http.URL+"/api/runs/"+rec.ID+"/log.txt", map[string][]string{"Authorization": {"Bearer tok"}}, "")
	if code != 200 || len(splitLines(text)) != 60 {
		t.Errorf("log.txt: %d, %d lines", code, len(splitLines(text)))
	}

	// And the page shows it all.
	if browserAvailable() {
		ctx := newTab(t)
		must(t, "login", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/?token=tok")))
		must(t, "run page", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/#/runs/"+bad.ID)))
		poll(t, ctx, `document.querySelectorAll("#log .line").length >= 3 && !!document.getElementById("retry")`)
		shot(t, ctx, "jetstream-failed-run")
	}
}
