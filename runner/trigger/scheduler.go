package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// Scheduler fires schedules through the slot ledger: every node computes
// the same slots and publishes, at each slot, a run request on the
// schedule's ledger subject of the Limits-retention run stream with
//
//	Nats-Msg-Id = <plugin>:sched:<schedule id>@<slot UTC>
//	Nats-Expected-Last-Subject-Sequence = the ledger's last sequence
//
// The first publish wins; the others get a duplicate ack or a wrong-last-
// sequence error and re-read the ledger. The per-subject CAS makes this hold
// beyond the dedup window and across server restarts (WorkQueue dedup would
// not survive one; see notes/nats.md). At start each node reads the last
// slot of each schedule from the ledger and replays missed slots by the
// schedule's catch-up policy, which is idempotent for the same reason.
// Ledger entries live as long as the run stream's history (7 days by
// default): a schedule idle longer than that starts afresh, without
// catch-up.
type Scheduler struct {
	// Enabled, if set, says whether a plugin's schedules fire now; a slot
	// of a plugin it reports off is skipped (not queued, not recorded in
	// the ledger, so a start after the plugin is on again may catch it up
	// by the schedule's policy). Set it before Run.
	Enabled func(plugin string) bool

	q      *queue.Queue
	clock  Clock
	log    *slog.Logger
	scheds []*Schedule

	mu   sync.Mutex
	next map[string]time.Time
}

// NewScheduler returns a scheduler for scheds; clock nil is the wall clock.
func NewScheduler(q *queue.Queue, scheds []*Schedule, clock Clock, log *slog.Logger) *Scheduler {
	if clock == nil {
		clock = RealClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{q: q, clock: clock, log: log, scheds: scheds, next: map[string]time.Time{}}
}

// Run fires every schedule until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, sc := range s.scheds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(ctx, sc)
		}()
	}
	wg.Wait()
	return nil
}

// Info lists the schedules of plugin with their next slot.
func (s *Scheduler) Info(plugin string) []runner.ScheduleInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []runner.ScheduleInfo
	for _, sc := range s.scheds {
		if sc.Plugin == plugin {
			out = append(out, runner.ScheduleInfo{ID: sc.ID, Spec: sc.Spec, TimeZone: sc.Loc.String(), Next: s.next[sc.ID]})
		}
	}
	return out
}

func (s *Scheduler) loop(ctx context.Context, sc *Schedule) {
	last, _, err := s.Last(ctx, sc)
	if err != nil && ctx.Err() == nil {
		s.log.Error("read schedule ledger; no catch-up", "schedule", sc.ID, "err", err)
	}
	cursor := s.clock.Now()
	anchor := last // the latest slot: an @every schedule keeps its phase
	for _, slot := range sc.Missed(last, cursor) {
		s.fire(ctx, sc, slot, true)
		anchor = slot
	}
	for ctx.Err() == nil {
		next := sc.NextAfter(anchor, cursor)
		if next.IsZero() {
			return // the expression has no future slots
		}
		s.mu.Lock()
		s.next[sc.ID] = next
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(next.Sub(s.clock.Now())):
		}
		now := s.clock.Now()
		if now.Before(next) {
			continue // woke early; wait again
		}
		// Normally one slot is due; after a suspend or clock jump, the
		// older ones follow the catch-up policy.
		due := sc.due(anchor, cursor, now, MaxCatchup)
		if len(due) > 1 {
			for _, slot := range sc.Missed(cursor, due[len(due)-2]) {
				s.fire(ctx, sc, slot, true)
			}
		}
		if len(due) > 0 {
			s.fire(ctx, sc, due[len(due)-1], false)
			anchor = due[len(due)-1]
		}
		cursor = now
	}
}

// Last returns the latest slot recorded in sc's ledger and its stream
// sequence (zero values when there is none).
func (s *Scheduler) Last(ctx context.Context, sc *Schedule) (time.Time, uint64, error) {
	m, err := s.q.Runs.GetLastMsgForSubject(ctx, queue.ScheduleSubject(sc.ID))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return time.Time{}, 0, nil
	}
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("trigger: ledger of %s: %w", sc.ID, err)
	}
	var r queue.Request
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return time.Time{}, m.Sequence, fmt.Errorf("trigger: ledger of %s: bad entry %d: %w", sc.ID, m.Sequence, err)
	}
	return r.Slot, m.Sequence, nil
}

// fire publishes slot's run request unless the ledger already has it (or
// a later slot); catchup says the slot is a missed one being replayed.
func (s *Scheduler) fire(ctx context.Context, sc *Schedule, slot time.Time, catchup bool) {
	if s.Enabled != nil && !s.Enabled(sc.Plugin) {
		s.log.Info("plugin disabled; schedule slot skipped", "schedule", sc.ID, "slot", slot)
		return
	}
	if err := s.fireSlot(ctx, sc, slot, catchup); err != nil && ctx.Err() == nil {
		s.log.Error("schedule slot not queued", "schedule", sc.ID, "slot", slot, "err", err)
	}
}

// Fire queues the run of a due slot, unless the ledger already has it (or
// a later slot): it is idempotent.
func (s *Scheduler) Fire(ctx context.Context, sc *Schedule, slot time.Time) error {
	return s.fireSlot(ctx, sc, slot, false)
}

// fireSlot is Fire for a due slot or, with catchup, a missed one. Under
// catchup: all every missed slot must run, so the overlap policy "skip"
// (drop a run while another of the plugin is going) would defeat it: the
// replayed slots are queued one after another instead (a serial lease of
// the plugin, as overlap: queue), whatever is running.
func (s *Scheduler) fireSlot(ctx context.Context, sc *Schedule, slot time.Time, catchup bool) error {
	slot = slot.UTC()
	stamp := slot.Format(time.RFC3339)
	subject := queue.ScheduleSubject(sc.ID)
	for range 10 {
		last, seq, err := s.Last(ctx, sc)
		if err != nil && seq == 0 {
			return err
		}
		if !last.Before(slot) {
			return nil // this slot (or a later one) is in the ledger
		}
		req := &queue.Request{
			Plugin: sc.Plugin, Entry: sc.Entry, Input: sc.input(slot),
			Key: "sched:" + sc.ID + "@" + stamp, Trigger: "schedule:" + sc.ID + "@" + stamp, Slot: slot,
			SkipIfRunning: sc.Overlap == runner.OverlapSkip,
		}
		if catchup && sc.Catchup == runner.CatchupAll && sc.Overlap == runner.OverlapSkip {
			req.SkipIfRunning = false
			req.Serial = sc.Plugin
		}
		if sc.Overlap == runner.OverlapQueue {
			req.Serial = sc.Plugin
		}
		_, _, err = s.q.Enqueue(ctx, req, subject, jetstream.WithExpectLastSequencePerSubject(seq))
		if err == nil {
			return nil
		}
		var apiErr *jetstream.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode != jetstream.JSErrCodeStreamWrongLastSequence {
			return err
		}
		// Another node wrote the ledger meanwhile: read it again.
	}
	return fmt.Errorf("trigger: schedule %s slot %s: ledger kept changing", sc.ID, stamp)
}
