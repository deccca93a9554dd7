package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wasmdrive/wasmdrive/runner"
)

// TestFinalRecordAfterEveryLogLine: a reader that sees a run as finished
// must find every line the plugin logged (they were published async).
func TestFinalRecordAfterEveryLogLine(t *testing.T) {
	const n = 20000 // more than the async publish window (4096)
	e := setup(t, funcCaller{"chatty": func(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (json.RawMessage, error) {
		for i := range n {
			sink.Log(runner.LogLine{Msg: fmt.Sprintf("line %d", i), Source: "plugin"})
		}
		return nil, nil
	}}, nil)
	ctx := context.Background()
	rec, err := e.svc.Trigger(ctx, "chatty", "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.waitFinal(t, rec.ID); got.Status != runner.StatusSucceeded {
		t.Fatalf("record = %+v", got)
	}
	lines, err := e.svc.Logs(ctx, rec.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool, len(lines))
	for _, l := range lines {
		seen[l.Msg] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("line %d", i)] {
			t.Fatalf("line %d missing: %d of %d lines stored when the run was final", i, len(seen), n)
		}
	}
}

// failedFuture is an async publish whose ack failed (e.g. timed out).
type failedFuture struct{ msg *nats.Msg }

func (f failedFuture) Ok() <-chan *jetstream.PubAck { return nil }
func (f failedFuture) Err() <-chan error {
	c := make(chan error, 1)
	c <- errors.New("ack timeout")
	return c
}
func (f failedFuture) Msg() *nats.Msg { return f.msg }

// TestFlushResendsFailedLines: a log line whose async publish failed is
// stored by flush, so it is not lost.
func TestFlushResendsFailedLines(t *testing.T) {
	e := setup(t, funcCaller{}, nil)
	s := &runSink{q: e.q, run: "flushrun"}
	b, _ := json.Marshal(runner.LogLine{RunID: "flushrun", Msg: "kept", Level: runner.LevelInfo})
	s.pending = append(s.pending, pendingLine{fut: failedFuture{}, data: b})
	s.flush()
	lines, err := e.svc.Logs(context.Background(), "flushrun", 0, 0)
	if err != nil || len(lines) != 1 || lines[0].Msg != "kept" {
		t.Fatalf("logs after flush = %+v, %v; want the failed line resent", lines, err)
	}
	if len(s.pending) != 0 {
		t.Fatalf("pending not cleared: %d", len(s.pending))
	}
}

// stuckFuture is an async publish NATS never answers (its reply was lost).
type stuckFuture struct{}

func (stuckFuture) Ok() <-chan *jetstream.PubAck { return nil }
func (stuckFuture) Err() <-chan error            { return nil }
func (stuckFuture) Msg() *nats.Msg               { return nil }

// TestLogBacklogNeverHoldsARun is issue 12 finding 6: with a full window
// of log publishes NATS never acknowledges, more lines and the final flush
// each wait at most one deadline (not one per line), and the lines given
// up on are counted in a marker line.
func TestLogBacklogNeverHoldsARun(t *testing.T) {
	e := setup(t, funcCaller{}, nil)
	e.q.Opts.Retry.Timeout = 50 * time.Millisecond
	s := &runSink{q: e.q, run: "stuckrun"}
	for range logWindow {
		s.pending = append(s.pending, pendingLine{fut: stuckFuture{}, data: []byte(`{}`)})
	}
	const more = 2000
	for i := range more {
		s.Log(runner.LogLine{Msg: fmt.Sprintf("line %d", i)})
	}
	s.flush()
	lines, err := e.svc.Logs(context.Background(), "stuckrun", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d log lines of this run were dropped", logWindow+more)
	if len(lines) != 1 || !strings.Contains(lines[0].Msg, want) || lines[0].Level != runner.LevelWarn {
		t.Fatalf("logs = %+v; want one marker line %q", lines, want)
	}
}
