package queue

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/runner"
)

func final(status string) bool {
	switch status {
	case runner.StatusSucceeded, runner.StatusFailed, runner.StatusDead, runner.StatusCancelled:
		return true
	}
	return false
}

// handle executes one delivered request to a final state, or puts it back.
func (w *Worker) handle(base context.Context, m jetstream.Msg) {
	q := w.q
	req, err := DecodeRequest(m.Data())
	if err != nil {
		q.log.Error("dropping malformed run request", "subject", m.Subject(), "err", err)
		_ = m.TermWithReason("malformed run request")
		return
	}
	ctx := context.Background()
	// A first delivery needs no read: the record is the queued one (a
	// cancel before the start arrives by broadcast, below). Redeliveries
	// read it for the attempt count and a final state.
	rec := recordFor(req)
	if md, err := m.Metadata(); err != nil || md.NumDelivered > 1 {
		// A redelivery while the run's running marker is fresh means its
		// node is alive but missed a heartbeat: do not run it twice.
		if _, err := q.Leases.Get(ctx, markerKey(req.Plugin, req.ID)); err == nil {
			_ = m.NakWithDelay(q.Opts.LeaseTTL)
			return
		}
		r, err := q.GetRun(ctx, req.ID)
		switch {
		case err == nil:
			rec = r
		case !errors.Is(err, ErrRunNotFound):
			q.log.Warn("read run record; will retry", "run", req.ID, "err", err)
			_ = m.NakWithDelay(w.o.LeaseWait)
			return
		}
	}
	if final(rec.Status) {
		_ = m.Ack() // finished before (e.g. the ack was lost)
		return
	}
	if _, ok := w.cancelled.Load(req.ID); ok {
		rec.Status, rec.Ended = runner.StatusCancelled, time.Now()
		q.putRecordAsync(rec)
		_ = m.Ack()
		return
	}
	if req.SkipIfRunning {
		if busy, err := q.Running(ctx, req.Plugin); err == nil && busy {
			rec.Status, rec.Ended = runner.StatusCancelled, time.Now()
			rec.Error = "skipped: the previous run of " + req.Plugin + " is still going (overlap: skip)"
			q.putRecordAsync(rec)
			_ = m.Ack()
			return
		}
	}
	pol := w.o.Policy(req.Plugin).normalized()
	var leases []*lease
	defer func() {
		for _, l := range leases {
			q.release(ctx, l)
		}
	}()
	for _, g := range []struct {
		group string
		limit int
	}{{"p." + req.Plugin, pol.MaxConcurrency}, {"s." + req.Serial, 1}} {
		if g.limit <= 0 || g.group == "s." {
			continue
		}
		l, ok, err := q.acquire(ctx, g.group, g.limit, req.ID)
		if err != nil || !ok {
			if err != nil {
				q.log.Warn("concurrency lease", "run", req.ID, "err", err)
			}
			_ = m.NakWithDelay(w.o.LeaseWait)
			return
		}
		leases = append(leases, l)
	}

	runCtx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	if pol.Timeout > 0 {
		var c context.CancelFunc
		runCtx, c = context.WithTimeout(runCtx, pol.Timeout)
		defer c()
	}
	runCtx = runner.WithCause(runCtx, runner.Cause{RunID: req.ID, Hop: req.Hop})
	w.running.Store(req.ID, cancel)
	defer w.running.Delete(req.ID)

	rec.Attempt++
	rec.Status, rec.Node, rec.Started, rec.Error = runner.StatusRunning, q.Opts.Node, time.Now(), ""
	// The run is "running" only once its marker and record are stored
	// (reap.go): a node that dies from here on is seen as lost.
	if err := q.startRecord(ctx, req.Plugin, rec, m.Reply()); err != nil {
		q.log.Warn("run not started; will retry", "run", req.ID, "err", err)
		_ = m.NakWithDelay(w.o.LeaseWait)
		return
	}
	defer q.replies.Delete(req.ID)
	defer q.unmarkRunning(req.Plugin, req.ID)

	hbDone := make(chan struct{})
	go w.heartbeat(m, leases, req, cancel, hbDone)
	sink := &runSink{q: q, run: req.ID, rec: rec}
	res, callErr := w.caller.Call(runCtx, runner.CallRequest{
		Plugin: req.Plugin, Entry: req.Entry, Input: req.Input, RunID: req.ID,
		Account: req.Account, Trigger: req.Trigger,
	}, sink)
	close(hbDone)
	w.finish(m, req, rec, sink, pol, res, callErr, context.Cause(runCtx))
}

// heartbeat keeps the request and the leases alive while the run executes.
func (w *Worker) heartbeat(m jetstream.Msg, leases []*lease, req *Request, cancel context.CancelCauseFunc, done <-chan struct{}) {
	every := w.q.Opts.AckWait / 3
	if lt := w.q.Opts.LeaseTTL / 3; lt < every {
		every = lt
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			_ = m.InProgress()
			w.q.markRunning(req.Plugin, req.ID, w.q.Opts.Node)
			for _, l := range leases {
				if err := w.q.refresh(context.Background(), l, req.ID); err != nil {
					w.q.log.Warn("run lost its concurrency lease; stopping it", "run", req.ID, "err", err)
					cancel(errShutdown)
					return
				}
			}
		}
	}
}

// finish records the outcome and acks, naks (retry or shutdown) or
// dead-letters the request.
func (w *Worker) finish(m jetstream.Msg, req *Request, rec *runner.RunRecord, sink *runSink, pol Policy, res *runner.CallResult, callErr, cause error) {
	q := w.q
	defer sink.flush() // lines logged below (retry/failure notes) too
	sink.flush()       // every plugin line is stored before the record says the run ended
	sink.mu.Lock()
	defer sink.mu.Unlock()
	rec.Ended = time.Now()
	if res != nil {
		rec.Version, rec.Hash, rec.Result = res.Version, res.Hash, res.Output
	}
	switch {
	case callErr == nil:
		rec.Status = runner.StatusSucceeded
		what, reply := ack(m)
		q.settle(m, rec, what, reply)
	case errors.Is(cause, errShutdown):
		rec.Status, rec.Attempt, rec.Node, rec.Ended = runner.StatusQueued, rec.Attempt-1, "", time.Time{}
		rec.Error = "interrupted: node " + q.Opts.Node + " shut down; queued again"
		what, reply := nak(m, 0)
		q.settle(m, rec, what, reply)
	case errors.Is(cause, errCancelled):
		rec.Status, rec.Error = runner.StatusCancelled, "cancelled"
		what, reply := ack(m)
		q.settle(m, rec, what, reply)
	case !retryable(callErr) || rec.Attempt >= pol.MaxAttempts:
		rec.Status, rec.Error = runner.StatusDead, callErr.Error()
		if !retryable(callErr) {
			rec.Status = runner.StatusFailed
		}
		sink.hostLog(runner.LevelError, "run failed for good", map[string]any{"attempt": rec.Attempt, "error": callErr.Error()})
		if err := q.deadLetter(req, rec); err != nil {
			q.log.Error("dead-letter run; will retry", "run", req.ID, "err", err)
			_ = m.NakWithDelay(time.Second)
			return
		}
		what, reply := ack(m)
		q.settle(m, rec, what, reply)
	default:
		delay := pol.backoff(rec.Attempt)
		rec.Status, rec.Error, rec.Ended = runner.StatusQueued, callErr.Error(), time.Time{}
		sink.hostLog(runner.LevelWarn, "run failed; retrying", map[string]any{"attempt": rec.Attempt, "max": pol.MaxAttempts, "in": delay.String(), "error": callErr.Error()})
		what, reply := nak(m, delay)
		q.settle(m, rec, what, reply)
	}
}

func recordFor(req *Request) *runner.RunRecord {
	trig := req.Trigger
	if trig == "" {
		trig = "manual"
	}
	return &runner.RunRecord{
		ID: req.ID, Plugin: req.Plugin, Entry: req.Entry, Trigger: trig, Key: req.Key,
		Account: req.Account, Status: runner.StatusQueued, Queued: req.Queued, Input: req.Input,
	}
}
