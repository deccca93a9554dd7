package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

func openQueue(t *testing.T, dir string) (*natsx.Conn, *queue.Queue) {
	t.Helper()
	c, err := natsx.Open(context.Background(), natsx.Options{DataDir: dir, Name: "trigger-test"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.Setup(context.Background(), c, queue.Options{Node: "t", AckWait: time.Second})
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c, q
}

// ledger returns the slots recorded on a schedule's ledger subject, in order.
func ledger(t *testing.T, q *queue.Queue, id string) []time.Time {
	t.Helper()
	ctx := context.Background()
	subj := queue.ScheduleSubject(id)
	info, err := q.Runs.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		t.Fatal(err)
	}
	n := int(info.State.Subjects[subj])
	if n == 0 {
		return nil
	}
	cons, err := q.Runs.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}})
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for len(out) < n {
		m, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var r queue.Request
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Slot)
	}
	return out
}

func schedule(t *testing.T, spec, tz, catchup string) *Schedule {
	t.Helper()
	s, err := NewSchedule("p", 0, runner.Trigger{Schedule: spec, Timezone: tz, Catchup: catchup, CatchupWindow: runner.Duration(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runFor runs schedulers (sharing clock) while step advances the clock,
// waiting for every scheduler goroutine to be idle between steps.
func runFor(t *testing.T, clock *Fake, scheds []*Scheduler, steps int, step time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, len(scheds))
	for _, s := range scheds {
		go func() { _ = s.Run(ctx); done <- struct{}{} }()
	}
	waitIdle := func() {
		deadline := time.Now().Add(10 * time.Second)
		for clock.Waiters() < len(scheds) {
			if time.Now().After(deadline) {
				t.Fatalf("schedulers not idle: %d waiters", clock.Waiters())
			}
			time.Sleep(time.Millisecond)
		}
	}
	for range steps {
		waitIdle()
		clock.Advance(step)
	}
	waitIdle()
	cancel()
	for range scheds {
		<-done
	}
}

func TestScheduleExactlyOncePerSlotWithThreeSchedulers(t *testing.T) {
	c, q := openQueue(t, t.TempDir())
	defer c.Close()
	start := time.Date(2026, 5, 1, 10, 0, 30, 0, time.UTC)
	clock := NewFake(start)
	sc := schedule(t, "* * * * *", "", "")
	var scheds []*Scheduler
	for range 3 {
		scheds = append(scheds, NewScheduler(q, []*Schedule{sc}, clock, nil))
	}
	runFor(t, clock, scheds, 5, time.Minute)
	got := ledger(t, q, sc.ID)
	if len(got) != 5 {
		t.Fatalf("ledger = %v, want 5 slots", got)
	}
	for i, s := range got {
		if want := start.Truncate(time.Minute).Add(time.Duration(i+1) * time.Minute); !s.Equal(want) {
			t.Fatalf("slot %d = %v, want %v", i, s, want)
		}
	}
}

func TestScheduleCatchUpAfterRestart(t *testing.T) {
	tests := []struct {
		catchup string
		want    int // slots replayed for 5 missed minutes
	}{
		{runner.CatchupSkip, 0},
		{runner.CatchupLatest, 1},
		{runner.CatchupAll, 5},
	}
	for _, tt := range tests {
		t.Run(tt.catchup, func(t *testing.T) {
			dir := t.TempDir()
			start := time.Date(2026, 5, 1, 10, 0, 30, 0, time.UTC)
			clock := NewFake(start)
			sc := schedule(t, "* * * * *", "", tt.catchup)
			c, q := openQueue(t, dir)
			runFor(t, clock, []*Scheduler{NewScheduler(q, []*Schedule{sc}, clock, nil)}, 2, time.Minute)
			c.Close() // node and embedded server down
			clock.Advance(5 * time.Minute)
			c, q = openQueue(t, dir) // restart: the ledger survives
			defer c.Close()
			runFor(t, clock, []*Scheduler{NewScheduler(q, []*Schedule{sc}, clock, nil)}, 0, 0)
			got := ledger(t, q, sc.ID)
			if len(got) != 2+tt.want {
				t.Fatalf("ledger = %v, want %d slots", got, 2+tt.want)
			}
			if tt.want > 0 && !got[len(got)-1].Equal(time.Date(2026, 5, 1, 10, 7, 0, 0, time.UTC)) {
				t.Fatalf("last slot = %v, want 10:07", got[len(got)-1])
			}
		})
	}
}

func TestScheduleAcrossDSTWithFakeClock(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	c, q := openQueue(t, t.TempDir())
	defer c.Close()
	// 2026-10-24 12:00 CEST → two days later, hour by hour.
	clock := NewFake(time.Date(2026, 10, 24, 10, 0, 0, 0, time.UTC))
	sc := schedule(t, "30 2 * * *", "Europe/Berlin", "")
	runFor(t, clock, []*Scheduler{NewScheduler(q, []*Schedule{sc}, clock, nil)}, 49, time.Hour)
	got := ledger(t, q, sc.ID)
	want := []time.Time{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 26, 1, 30, 0, 0, time.UTC)}
	if len(got) != len(want) {
		t.Fatalf("ledger = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Equal(want[i]) || got[i].In(berlin).Hour() != 2 {
			t.Fatalf("slot %d = %v, want %v (02:30 Berlin)", i, got[i], want[i])
		}
	}
}

func TestFireIsIdempotent(t *testing.T) {
	c, q := openQueue(t, t.TempDir())
	defer c.Close()
	sc := schedule(t, "@hourly", "", "")
	s := NewScheduler(q, []*Schedule{sc}, NewFake(time.Now()), nil)
	slot := time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)
	for range 3 {
		if err := s.Fire(context.Background(), sc, slot); err != nil {
			t.Fatal(err)
		}
	}
	// An older slot after a newer one is refused by the ledger.
	if err := s.Fire(context.Background(), sc, slot.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := ledger(t, q, sc.ID); len(got) != 1 {
		t.Fatalf("ledger = %v, want one slot", got)
	}
}

func TestBadTriggersNamePluginAndField(t *testing.T) {
	tests := []struct {
		t     runner.Trigger
		field string
	}{
		{runner.Trigger{Schedule: "every day"}, "triggers[2].schedule"},
		{runner.Trigger{Schedule: "0 3 * * *", Timezone: "Mars/Olympus"}, "triggers[2].timezone"},
		{runner.Trigger{Schedule: "0 3 * * *", Catchup: "sometimes"}, "triggers[2].catchup"},
		{runner.Trigger{Schedule: "0 3 * * *", Overlap: "maybe"}, "triggers[2].overlap"},
		{runner.Trigger{Schedule: "0 3 * * *", Input: runner.JSONValue("{")}, "triggers[2].input"},
	}
	for _, tt := range tests {
		_, err := NewSchedule("backup", 2, tt.t)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Plugin != "backup" || fe.Field != tt.field || !strings.Contains(err.Error(), "plugin backup: "+tt.field) {
			t.Errorf("NewSchedule(%+v) err = %v, want a FieldError at %s", tt.t, err, tt.field)
		}
	}
	for _, subj := range []string{"", "a..b", ">", "wasmdrive.runs.x", "$KV.x.y", "a.>.b",
		"wasmdrive.batch.>", "wasmdrive.batch.job1", "wasmdrive.control.enable", "wasmdrive.control.>",
		"wasmdrive.>", "wasmdrive.*.x", "$JSC.>", "$NRG.x", "$JS.API.>", "_INBOX.>"} {
		_, err := NewSubjectTrigger("archive", 0, runner.Trigger{Subject: subj})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "triggers[0].subject" {
			t.Errorf("subject %q: err = %v, want a FieldError", subj, err)
		}
	}
	for _, subj := range []string{"wasmdrive.drive.*.file.>", "wasmdrive.drive.default.file.uploaded", "app.>"} {
		if _, err := NewSubjectTrigger("archive", 0, runner.Trigger{Subject: subj}); err != nil {
			t.Errorf("subject %q: %v", subj, err)
		}
	}
}

// TestEveryKeepsItsPhaseAcrossRestart: an "@every 1h" schedule fired at
// 11:00:30; restarted at 11:20:30, its next slot is still 12:00:30 (read
// from the ledger) and fires then, not an hour after the restart.
func TestEveryKeepsItsPhaseAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 5, 1, 10, 0, 30, 0, time.UTC)
	clock := NewFake(start)
	sc := schedule(t, "@every 1h", "", "")
	c, q := openQueue(t, dir)
	runFor(t, clock, []*Scheduler{NewScheduler(q, []*Schedule{sc}, clock, nil)}, 1, time.Hour)
	if got := ledger(t, q, sc.ID); len(got) != 1 || !got[0].Equal(start.Add(time.Hour)) {
		t.Fatalf("ledger = %v, want [%v]", got, start.Add(time.Hour))
	}
	c.Close()
	clock = NewFake(clock.Now().Add(20 * time.Minute)) // a new process: no waiters of the old one
	c, q = openQueue(t, dir)
	defer c.Close()
	s := NewScheduler(q, []*Schedule{sc}, clock, nil)
	runFor(t, clock, []*Scheduler{s}, 1, 40*time.Minute) // to 12:00:30
	if got := ledger(t, q, sc.ID); len(got) != 2 || !got[1].Equal(start.Add(2*time.Hour)) {
		t.Fatalf("ledger = %v, want a second slot at %v", got, start.Add(2*time.Hour))
	}
	if info, want := s.Info("p"), start.Add(3*time.Hour); len(info) != 1 || !info[0].Next.Equal(want) {
		t.Fatalf("schedules = %+v, want next %v", info, want)
	}
}
