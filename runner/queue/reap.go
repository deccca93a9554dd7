package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

// # Durable run state
//
// A run's record is written, and confirmed, before the work starts: the
// queued record before Enqueue returns, the running marker and then the
// "running" record before the plugin is called. The "running" record keeps
// the ack subject of the request being executed (field "reply", not part
// of runner.RunRecord), and the marker ("run.<plugin>.<id>" in the leases
// bucket) lives only as long as its node heartbeats it (LeaseTTL).
//
// Every worker node reaps (reap): a record that says "running" while its
// marker has expired belongs to a node that died. The reaper sets it back
// to "queued" with the reason (compare-and-set on the record's revision,
// so a live worker's write wins) and naks the request on the stored ack
// subject, so a live node retries the run at once instead of after the
// consumer's AckWait. A run is thus never "running" without a live node
// for longer than about LeaseTTL and a reap interval. The run service's
// ListRuns and GetRun do the same for the runs they show, so a listing is
// honest even when no worker is left (the request then waits in the queue
// for the next node).

// storedRecord is a run record as the records bucket holds it.
type storedRecord struct {
	*runner.RunRecord
	// Reply is the ack subject of the request a "running" record's node
	// executes.
	Reply string `json:"reply,omitempty"`
}

// encodeRecord encodes r, with the ack subject of its request when this
// node executes it.
func (q *Queue) encodeRecord(r *runner.RunRecord) ([]byte, error) {
	s := storedRecord{RunRecord: r}
	if r.Status == runner.StatusRunning {
		if v, ok := q.replies.Load(r.ID); ok {
			s.Reply = v.(string)
		}
	}
	return json.Marshal(s)
}

// createRecord writes the queued record unless one exists (a worker
// already started the run), and waits for the server's confirmation.
func (q *Queue) createRecord(ctx context.Context, r *runner.RunRecord) error {
	b, err := q.encodeRecord(r)
	if err != nil {
		return fmt.Errorf("queue: encode record %s: %w", r.ID, err)
	}
	return natsx.Call(ctx, q.Opts.Retry, "write run record", func(ctx context.Context) error {
		if _, err := q.Records.Create(ctx, r.ID, b); err != nil && !errors.Is(err, jetstream.ErrKeyExists) && !isWrongLastSeq(err) {
			return err
		}
		return nil
	})
}

// startRecord marks the run as running on this node (marker first, so the
// reaper never sees a "running" record without one) and writes the
// "running" record, both confirmed.
func (q *Queue) startRecord(ctx context.Context, plugin string, rec *runner.RunRecord, reply string) error {
	q.replies.Store(rec.ID, reply)
	err := natsx.Call(ctx, q.Opts.Retry, "write running marker", func(ctx context.Context) error {
		_, err := q.Leases.Put(ctx, markerKey(plugin, rec.ID), []byte(q.Opts.Node))
		return err
	})
	if err == nil {
		err = natsx.Call(ctx, q.Opts.Retry, "write run record", func(ctx context.Context) error {
			return q.putRecord(ctx, rec)
		})
	}
	if err != nil {
		q.replies.Delete(rec.ID)
		return fmt.Errorf("queue: start run %s: %w", rec.ID, err)
	}
	return nil
}

// reapEvery is how often a worker looks for runs of dead nodes.
func (q *Queue) reapEvery() time.Duration { return max(q.Opts.LeaseTTL/2, 500*time.Millisecond) }

// reapLoop reaps until ctx ends.
func (q *Queue) reapLoop(ctx context.Context) {
	t := time.NewTicker(q.reapEvery())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := q.reap(ctx); err != nil {
				q.log.Debug("reap runs of lost nodes", "err", err)
			} else if n > 0 {
				q.log.Warn("runs of lost nodes queued again", "runs", n)
			}
		}
	}
}

// reap queues again every run whose record says "running" while its
// running marker has expired (its node died), and returns how many.
func (q *Queue) reap(ctx context.Context) (int, error) {
	recs, err := q.ListRuns(ctx, runner.RunFilter{Status: runner.StatusRunning, Limit: 1000})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range recs {
		if !q.lost(ctx, r) {
			continue
		}
		ok, err := q.reapOne(ctx, r.ID)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// lost reports whether r says running while its running marker has
// expired (false when that cannot be told now).
func (q *Queue) lost(ctx context.Context, r *runner.RunRecord) bool {
	if r.Status != runner.StatusRunning {
		return false
	}
	_, err := q.Leases.Get(ctx, markerKey(r.Plugin, r.ID))
	return errors.Is(err, jetstream.ErrKeyNotFound)
}

// unlessLost returns r, or when its node is lost (lost) its record after
// reapOne queued it again. The run services call it on what they show.
func (q *Queue) unlessLost(ctx context.Context, r *runner.RunRecord) *runner.RunRecord {
	if !q.lost(ctx, r) {
		return r
	}
	if _, err := q.reapOne(ctx, r.ID); err != nil {
		return r
	}
	if nr, err := q.GetRun(ctx, r.ID); err == nil {
		return nr
	}
	return r
}

// reapOne sets a lost run back to queued (if its record is unchanged
// since it was read as running) and naks its request for a retry now.
func (q *Queue) reapOne(ctx context.Context, id string) (bool, error) {
	ent, err := q.Records.Get(ctx, id)
	if err != nil {
		return false, fmt.Errorf("queue: reap %s: %w", id, err)
	}
	var rec runner.RunRecord
	s := storedRecord{RunRecord: &rec}
	if err := json.Unmarshal(ent.Value(), &s); err != nil || rec.Status != runner.StatusRunning {
		return false, nil
	}
	lost := rec.Node
	rec.Status, rec.Node, rec.Started = runner.StatusQueued, "", time.Time{}
	rec.Error = fmt.Sprintf("node %s lost (no heartbeat for %s); queued again", lost, q.Opts.LeaseTTL)
	b, err := json.Marshal(&rec)
	if err != nil {
		return false, err
	}
	if _, err := q.Records.Update(ctx, id, b, ent.Revision()); err != nil {
		return false, nil // written meanwhile: its node is alive after all
	}
	if s.Reply != "" {
		if err := q.Conn.NC.Publish(s.Reply, []byte("-NAK")); err != nil {
			q.log.Warn("nak the request of a lost run; it comes back after AckWait", "run", id, "err", err)
		}
	}
	q.log.Warn("run of a lost node queued again", "run", id, "node", lost)
	return true, nil
}
