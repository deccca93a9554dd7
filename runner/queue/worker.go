package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/runner"
)

var (
	errShutdown  = errors.New("node shutting down")
	errCancelled = errors.New("run cancelled")
)

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	// Slots is how many runs this node executes at once (default 8).
	Slots int
	// Policy returns the policy of a plugin (default DefaultPolicy).
	Policy func(plugin string) Policy
	// Grace is how long Run waits for running plugins after ctx ends before
	// cancelling them (default 10s); cancelled runs go back to the queue.
	Grace time.Duration
	// LeaseWait is the delay before a run that found no free concurrency
	// slot is offered again (default 500ms).
	LeaseWait time.Duration
}

// Worker pulls run requests from the shared consumer, one per free slot, and
// executes them with a runner.Caller.
//
// A request is fetched only when a slot is free (no client-side buffer that
// could outlive AckWait), is kept alive with InProgress heartbeats, and is
// acked only when its run reached a final state. Attempts are counted in the
// run record, not by delivery count, so redeliveries caused by a dead node
// or a busy concurrency slot do not use up retries.
type Worker struct {
	q      *Queue
	caller runner.Caller
	o      WorkerOptions

	running   sync.Map // run id → context.CancelCauseFunc
	cancelled sync.Map // run id → time.Time (cancel broadcasts seen)
}

// NewWorker returns a worker for q executing runs with caller.
func NewWorker(q *Queue, caller runner.Caller, o WorkerOptions) *Worker {
	if o.Slots <= 0 {
		o.Slots = 8
	}
	if o.Policy == nil {
		o.Policy = func(string) Policy { return DefaultPolicy() }
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
	if o.LeaseWait <= 0 {
		o.LeaseWait = 500 * time.Millisecond
	}
	return &Worker{q: q, caller: caller, o: o}
}

// Run executes runs until ctx ends, then drains: it stops fetching, waits
// up to Grace for running plugins, cancels the rest and naks their requests
// so another node (or this one after a restart) runs them again.
func (w *Worker) Run(ctx context.Context) error {
	sub, err := w.q.Conn.NC.Subscribe(SubjectCancel+".*", w.onCancel)
	if err != nil {
		return fmt.Errorf("queue: cancel subscription: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()

	runCtx, stopRuns := context.WithCancelCause(context.Background())
	defer stopRuns(nil)
	reapCtx, stopReap := context.WithCancel(ctx)
	defer stopReap()
	go w.q.reapLoop(reapCtx)
	var wg sync.WaitGroup
	FetchLoop(ctx, w.q.Work, w.o.Slots, &wg, w.q.log, "run requests", func(m jetstream.Msg) { w.handle(runCtx, m) })
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.o.Grace):
		w.q.log.Warn("grace period over; cancelling running plugins, their runs go back to the queue", "grace", w.o.Grace)
		stopRuns(errShutdown)
		<-done
	}
	select {
	case <-w.q.JS.PublishAsyncComplete():
	case <-time.After(5 * time.Second):
		w.q.log.Warn("run records still unacknowledged at shutdown")
	}
	return nil
}

func (w *Worker) onCancel(m *nats.Msg) {
	id := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
	w.cancelled.Store(id, time.Now())
	if c, ok := w.running.Load(id); ok {
		c.(context.CancelCauseFunc)(errCancelled)
	}
}
