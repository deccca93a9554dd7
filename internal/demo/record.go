package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// Recorder stores each call of an Env as a finished run in a data folder's
// run store (the embedded NATS JetStream that `serve --data DIR` opens), so
// `wasmdrive runs list` and the console show the demo's runs.
type Recorder struct {
	conn *natsx.Conn
	q    *queue.Queue
}

// OpenRecorder opens the run store of data folder dir (an embedded NATS
// server on dir/nats, no client port).
func OpenRecorder(ctx context.Context, dir string) (*Recorder, error) {
	c, err := natsx.Open(ctx, natsx.Options{DataDir: dir, Name: "demo"})
	if err != nil {
		return nil, fmt.Errorf("demo: open the run store in %s: %w", dir, err)
	}
	q, err := queue.Setup(ctx, c, queue.Options{Node: "demo"})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("demo: open the run store in %s: %w", dir, err)
	}
	return &Recorder{conn: c, q: q}, nil
}

// Close shuts the run store.
func (r *Recorder) Close() { r.conn.Close() }

// record stores one finished call (trigger "manual", node "demo").
func (r *Recorder) record(req runner.CallRequest, started time.Time, res *runner.CallResult, callErr error, lines []runner.LogLine) error {
	rec := &runner.RunRecord{ID: queue.NewRunID(), Plugin: req.Plugin, Entry: req.Entry, Trigger: "manual", Node: "demo",
		Status: runner.StatusSucceeded, Attempt: 1, Queued: started, Started: started, Ended: time.Now(), Input: req.Input}
	if res != nil {
		rec.Version, rec.Hash, rec.Result = res.Version, res.Hash, res.Output
	}
	if callErr != nil {
		rec.Status, rec.Error = runner.StatusFailed, callErr.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.q.RecordLocal(ctx, rec, lines)
}

// teeSink passes lines and progress on and keeps the lines.
type teeSink struct {
	next  runner.RunSink
	mu    sync.Mutex
	lines []runner.LogLine
}

func (t *teeSink) Log(l runner.LogLine) {
	t.mu.Lock()
	t.lines = append(t.lines, l)
	t.mu.Unlock()
	t.next.Log(l)
}

func (t *teeSink) Progress(p runner.Progress) { t.next.Progress(p) }
