package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/runner"
)

// progressEvery throttles record writes caused by progress reports.
const progressEvery = 200 * time.Millisecond

// runSink is the runner.RunSink of one run: log lines go to the run's log
// subject (async publish), progress into the run record (throttled).
type runSink struct {
	q   *Queue
	run string

	mu       sync.Mutex
	rec      *runner.RunRecord // owned by the worker; progress written here
	lastSave time.Time

	// pending holds the log publishes not yet known to be stored, so flush
	// can make sure every line is in the stream before the run's final
	// record says it ended (a reader that sees "succeeded" sees all lines).
	pendMu  sync.Mutex
	pending []pendingLine
}

// pendingLine is an async log publish and its payload, kept to resend it
// if its ack fails.
type pendingLine struct {
	fut  jetstream.PubAckFuture
	data []byte
}

var _ runner.RunSink = (*runSink)(nil)

func (s *runSink) Log(l runner.LogLine) {
	l.RunID = s.run
	l.Seq = 0
	if l.Time.IsZero() {
		l.Time = time.Now()
	}
	if l.Level == "" {
		l.Level = runner.LevelInfo
	}
	b, err := json.Marshal(l)
	if err != nil {
		return
	}
	fut, err := s.q.JS.PublishAsync(LogSubject(s.run), b)
	if err != nil {
		// Too many publishes in flight (or a transient error): apply
		// back-pressure with a synchronous publish instead of dropping.
		s.publishSync(b)
		return
	}
	s.pendMu.Lock()
	s.pending = append(s.pending, pendingLine{fut, b})
	if len(s.pending) >= 512 {
		s.pending = compactPending(s.pending)
	}
	s.pendMu.Unlock()
}

// publishSync stores one log line and waits for the ack (bounded).
func (s *runSink) publishSync(b []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.q.JS.Publish(ctx, LogSubject(s.run), b); err != nil {
		s.q.log.Warn("publish run log", "run", s.run, "err", err)
	}
}

// compactPending drops the publishes already acknowledged; it keeps the
// failed ones (flush resends them) and those still in flight.
func compactPending(p []pendingLine) []pendingLine {
	out := p[:0]
	for _, pl := range p {
		select {
		case <-pl.fut.Ok():
			continue
		default:
		}
		out = append(out, pl)
	}
	clear(p[len(out):])
	return out
}

// flush waits until every log line of the run is stored, resending lines
// whose async publish failed. Lines may then be out of order by their
// stream sequence only in that rare resend case.
func (s *runSink) flush() {
	s.pendMu.Lock()
	pend := s.pending
	s.pending = nil
	s.pendMu.Unlock()
	deadline := time.After(10 * time.Second)
	expired := false
	for _, pl := range pend {
		if !expired {
			select {
			case <-pl.fut.Ok():
				continue
			case <-pl.fut.Err():
				s.publishSync(pl.data)
				continue
			case <-deadline:
				expired = true
				s.q.log.Warn("run log acks overdue; resending the rest synchronously", "run", s.run)
			}
		}
		select {
		case <-pl.fut.Ok():
		default:
			s.publishSync(pl.data)
		}
	}
}

func (s *runSink) Progress(p runner.Progress) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rec.Progress = &p
	if time.Since(s.lastSave) < progressEvery {
		return
	}
	s.lastSave = time.Now()
	s.q.putRecordAsync(s.rec)
}

// hostLog writes a log line from the host itself.
func (s *runSink) hostLog(level runner.Level, msg string, fields map[string]any) {
	s.Log(runner.LogLine{Level: level, Source: "host", Msg: msg, Fields: fields})
}

func (q *Queue) logConsumer(ctx context.Context, runID string, afterSeq uint64) (jetstream.Consumer, error) {
	if !validRunID(runID) {
		return nil, fmt.Errorf("queue: logs of %q: %w", runID, ErrRunNotFound)
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{LogSubject(runID)}}
	if afterSeq > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = afterSeq + 1
	}
	c, err := q.LogsS.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("queue: logs of %s: %w", runID, err)
	}
	return c, nil
}

func decodeLog(m jetstream.Msg) (runner.LogLine, bool) {
	var l runner.LogLine
	if json.Unmarshal(m.Data(), &l) != nil {
		return l, false
	}
	if md, err := m.Metadata(); err == nil {
		l.Seq = md.Sequence.Stream
	}
	return l, true
}

// Logs returns a run's lines with Seq > afterSeq (at most limit; 0 = all).
func (q *Queue) Logs(ctx context.Context, runID string, afterSeq uint64, limit int) ([]runner.LogLine, error) {
	c, err := q.logConsumer(ctx, runID, afterSeq)
	if err != nil {
		return nil, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue: logs of %s: %w", runID, err)
	}
	n := int(info.NumPending)
	if limit > 0 && n > limit {
		n = limit
	}
	out := make([]runner.LogLine, 0, n)
	for len(out) < n {
		batch, err := c.Fetch(n-len(out), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, fmt.Errorf("queue: logs of %s: %w", runID, err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			if l, ok := decodeLog(m); ok {
				out = append(out, l)
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("queue: logs of %s: %w", runID, err)
		}
		if got == 0 {
			break
		}
	}
	return out, nil
}

// WatchLogs calls fn with lines Seq > afterSeq, then live ones, until ctx ends.
func (q *Queue) WatchLogs(ctx context.Context, runID string, afterSeq uint64, fn func(runner.LogLine)) error {
	c, err := q.logConsumer(ctx, runID, afterSeq)
	if err != nil {
		return err
	}
	cc, err := c.Consume(func(m jetstream.Msg) {
		if l, ok := decodeLog(m); ok {
			fn(l)
		}
	})
	if err != nil {
		return fmt.Errorf("queue: watch logs of %s: %w", runID, err)
	}
	<-ctx.Done()
	cc.Stop()
	<-cc.Closed()
	return nil
}
