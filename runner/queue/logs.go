package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

// progressEvery throttles record writes caused by progress reports.
const progressEvery = 200 * time.Millisecond

// Log sending: a run's lines go out as async publishes with a bounded
// window in flight (logWindow). A full window waits for acks, which is
// back-pressure on a chatty plugin while NATS keeps up; but no line ever
// waits longer than the log deadline (Options.Retry.Timeout): past it, the
// window's lines still unacknowledged and the lines logged while it stays
// full are dropped and counted, and flush stores a marker line saying how
// many. So a slow or absent NATS costs a run at most about one deadline,
// never one per line.
const logWindow = 1024

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
	// dropped counts lines given up on since the last flush; while
	// stalled is in the future, a full window drops lines at once.
	dropped int
	stalled time.Time
}

// pendingLine is an async log publish and its payload, kept to resend it
// (once) if its ack fails.
type pendingLine struct {
	fut    jetstream.PubAckFuture
	data   []byte
	resent bool
	state  lineState // what fut said (its channels deliver once)
}

type lineState int

const (
	lineInFlight lineState = iota
	lineStored
	lineFailed
)

// await waits for pl's ack or failure until stop fires; it reports false
// on stop.
func (pl *pendingLine) await(stop <-chan time.Time) bool {
	if pl.state != lineInFlight {
		return true
	}
	select {
	case <-pl.fut.Ok():
		pl.state = lineStored
	case <-pl.fut.Err():
		pl.state = lineFailed
	case <-stop:
		return false
	}
	return true
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
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	if len(s.pending) >= logWindow/2 {
		s.pending = s.compact(s.pending)
	}
	if len(s.pending) >= logWindow && !s.waitRoom() {
		s.dropped++
		return
	}
	s.publish(pendingLine{data: b})
}

// deadline is how long a log line may wait for NATS.
func (s *runSink) deadline() time.Duration {
	if d := s.q.Opts.Retry.Timeout; d > 0 {
		return d
	}
	return natsx.CallTimeout
}

// waitRoom waits (bounded) until the oldest line in flight is settled and
// reports whether there is room. pendMu is held.
func (s *runSink) waitRoom() bool {
	if time.Now().Before(s.stalled) {
		return false
	}
	t := time.NewTimer(s.deadline())
	defer t.Stop()
	for len(s.pending) >= logWindow {
		if !s.pending[0].await(t.C) {
			s.stalled = time.Now().Add(s.deadline())
			s.q.log.Warn("run log: NATS is not acknowledging lines; dropping them until it catches up", "run", s.run)
			return false
		}
		s.pending = s.compact(s.pending)
	}
	return true
}

// publish sends pl as an async publish. When the connection has too many
// publishes in flight (all runs together), it falls back to a synchronous
// publish, bounded by the log deadline like the window: back-pressure, not
// a drop, while NATS keeps up. pendMu is held.
func (s *runSink) publish(pl pendingLine) {
	fut, err := s.q.JS.PublishAsync(LogSubject(s.run), pl.data)
	if err == nil {
		pl.fut = fut
		s.pending = append(s.pending, pl)
		return
	}
	if time.Now().Before(s.stalled) {
		s.dropped++
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.deadline())
	defer cancel()
	if _, err := s.q.JS.Publish(ctx, LogSubject(s.run), pl.data); err != nil {
		s.stalled = time.Now().Add(s.deadline())
		s.dropped++
	}
}

// compact drops the publishes already acknowledged and resends, once, the
// failed ones; it keeps those still in flight.
func (s *runSink) compact(p []pendingLine) []pendingLine {
	out := p[:0]
	var failed []pendingLine
	for _, pl := range p {
		if pl.state == lineInFlight {
			select {
			case <-pl.fut.Ok():
				pl.state = lineStored
			case <-pl.fut.Err():
				pl.state = lineFailed
			default:
			}
		}
		switch {
		case pl.state == lineStored:
		case pl.state == lineFailed && pl.resent:
			s.dropped++
		case pl.state == lineFailed:
			failed = append(failed, pl)
		default:
			out = append(out, pl)
		}
	}
	clear(p[len(out):])
	for _, pl := range failed {
		pl.resent, pl.state = true, lineInFlight
		fut, err := s.q.JS.PublishAsync(LogSubject(s.run), pl.data)
		if err != nil {
			s.dropped++
			continue
		}
		pl.fut = fut
		out = append(out, pl)
	}
	return out
}

// flush waits, up to one log deadline in all, until every log line of the
// run is stored, resending (once) lines whose publish failed; lines still
// not stored then are dropped, and a marker line says how many were lost.
// Lines may be out of order by stream sequence only in the resend case.
func (s *runSink) flush() {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	deadline := time.NewTimer(s.deadline())
	defer deadline.Stop()
	for len(s.pending) > 0 && s.pending[0].await(deadline.C) {
		s.pending = s.compact(s.pending)
	}
	s.pending = s.compact(s.pending)
	s.dropped += len(s.pending)
	clear(s.pending)
	s.pending = s.pending[:0]
	if s.dropped == 0 {
		return
	}
	n := s.dropped
	s.dropped, s.stalled = 0, time.Time{}
	s.q.log.Warn("run log lines dropped: NATS did not store them in time", "run", s.run, "lines", n)
	b, err := json.Marshal(runner.LogLine{RunID: s.run, Time: time.Now(), Level: runner.LevelWarn, Source: "host",
		Msg: fmt.Sprintf("%d log lines of this run were dropped: NATS did not store them in time", n), Fields: map[string]any{"dropped": n}})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.deadline())
	defer cancel()
	if _, err := s.q.JS.Publish(ctx, LogSubject(s.run), b); err != nil {
		s.q.log.Warn("publish run log marker", "run", s.run, "err", err)
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
