package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// ErrRunNotFound is returned for an unknown run id.
var ErrRunNotFound = contract.ErrRunNotFound

func (q *Queue) recordSubject(id string) string { return namespace.KVSubject(RecordsBucket, id) }

// putRecordAsync writes a record without waiting for the ack; records of one
// run are written by one node in order, so last-writer-wins is right.
func (q *Queue) putRecordAsync(r *runner.RunRecord) {
	b, err := q.encodeRecord(r)
	if err != nil {
		q.log.Error("encode run record", "run", r.ID, "err", err)
		return
	}
	if _, err := q.JS.PublishAsync(q.recordSubject(r.ID), b); err != nil {
		q.log.Warn("write run record", "run", r.ID, "err", err)
	}
}

// putRecord writes a record and waits for the ack.
func (q *Queue) putRecord(ctx context.Context, r *runner.RunRecord) error {
	b, err := q.encodeRecord(r)
	if err != nil {
		return fmt.Errorf("queue: encode record %s: %w", r.ID, err)
	}
	if _, err := q.Records.Put(ctx, r.ID, b); err != nil {
		return fmt.Errorf("queue: write record %s: %w", r.ID, err)
	}
	return nil
}

// GetRun returns a run's record.
func (q *Queue) GetRun(ctx context.Context, id string) (*runner.RunRecord, error) {
	if !validRunID(id) {
		return nil, fmt.Errorf("queue: run %q: %w", id, ErrRunNotFound)
	}
	e, err := q.Records.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("queue: run %q: %w (see wasmdrive runs list)", id, ErrRunNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: run %q: %w", id, err)
	}
	var r runner.RunRecord
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return nil, fmt.Errorf("queue: run %q: bad record: %w", id, err)
	}
	return &r, nil
}

func validRunID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !tokenByte(id[i]) {
			return false
		}
	}
	return true
}

// ListRuns returns the newest runs matching f, newest first.
//
// It does not walk every record: it reads the tail of the records bucket's
// stream (the most recent writes), keeps the last version of each run, and
// widens the window fourfold until it has f.Limit matches or has read the
// whole bucket. So a listing costs about the recent activity, not the 7
// days of history.
func (q *Queue) ListRuns(ctx context.Context, f runner.RunFilter) ([]*runner.RunRecord, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	stream, err := q.JS.Stream(ctx, namespace.KVStream(RecordsBucket))
	if err != nil {
		return nil, fmt.Errorf("queue: list runs: %w", err)
	}
	st := stream.CachedInfo().State
	if st.Msgs == 0 {
		return nil, nil
	}
	window := uint64(max(256, 8*limit))
	for {
		from := st.FirstSeq
		if st.LastSeq >= window && st.LastSeq-window+1 > from {
			from = st.LastSeq - window + 1
		}
		recs, err := q.scanRecords(ctx, stream, from, st.LastSeq)
		if err != nil {
			return nil, err
		}
		var out []*runner.RunRecord
		for _, r := range recs {
			if matches(r, f) {
				out = append(out, r)
			}
		}
		if len(out) >= limit || from == st.FirstSeq {
			return filterRuns(out, f), nil
		}
		window *= 4
	}
}

// scanRecords reads records written at stream sequences [from, to] and
// returns the last version of each run (deleted runs dropped).
func (q *Queue) scanRecords(ctx context.Context, stream jetstream.Stream, from, to uint64) (map[string]*runner.RunRecord, error) {
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: list runs: %w", err)
	}
	prefix := namespace.KVSubject(RecordsBucket, "")
	out := map[string]*runner.RunRecord{}
	for {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, fmt.Errorf("queue: list runs: %w", err)
		}
		n := 0
		var last uint64
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			last = md.Sequence.Stream
			id := strings.TrimPrefix(m.Subject(), prefix)
			if op := m.Headers().Get("KV-Operation"); op != "" {
				delete(out, id) // DEL or PURGE
				continue
			}
			var r runner.RunRecord
			if json.Unmarshal(m.Data(), &r) == nil {
				out[id] = &r
			}
			if md.NumPending == 0 {
				return out, nil
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("queue: list runs: %w", err)
		}
		if n == 0 || last >= to {
			return out, nil
		}
	}
}

func matches(r *runner.RunRecord, f runner.RunFilter) bool {
	if f.Plugin != "" && r.Plugin != f.Plugin {
		return false
	}
	if f.Status != "" && r.Status != f.Status && !(f.Status == runner.StatusFailed && r.Status == runner.StatusDead) {
		return false
	}
	return f.Trigger == "" || strings.HasPrefix(r.Trigger, f.Trigger)
}

func filterRuns(rs []*runner.RunRecord, f runner.RunFilter) []*runner.RunRecord {
	sort.Slice(rs, func(i, j int) bool {
		if !rs[i].Queued.Equal(rs[j].Queued) {
			return rs[i].Queued.After(rs[j].Queued)
		}
		return rs[i].ID > rs[j].ID
	})
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if len(rs) > limit {
		rs = rs[:limit]
	}
	return rs
}

// WatchRuns calls fn with every record change until ctx ends.
func (q *Queue) WatchRuns(ctx context.Context, fn func(*runner.RunRecord)) error {
	w, err := q.Records.WatchAll(ctx, jetstream.UpdatesOnly(), jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("queue: watch runs: %w", err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("queue: watch runs: watcher closed")
			}
			if e == nil {
				continue
			}
			var r runner.RunRecord
			if json.Unmarshal(e.Value(), &r) == nil {
				fn(&r)
			}
		}
	}
}
