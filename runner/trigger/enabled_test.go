package trigger

import (
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
)

// TestSchedulerSkipsDisabledPlugin: slots that come while Enabled reports
// the plugin off are not queued; the schedule resumes when it is on again.
func TestSchedulerSkipsDisabledPlugin(t *testing.T) {
	c, q := openQueue(t, t.TempDir())
	defer c.Close()
	now := time.Date(2026, 5, 1, 10, 0, 30, 0, time.UTC)
	sc := schedule(t, "* * * * *", "", runner.CatchupSkip)
	for _, phase := range []struct {
		on    bool
		steps int
	}{{true, 2}, {false, 2}, {true, 1}} {
		// A scheduler per phase (its clock goes on from the last one's),
		// so no waiter of the previous phase is counted as idle.
		clock := NewFake(now)
		s := NewScheduler(q, []*Schedule{sc}, clock, nil)
		s.Enabled = func(plugin string) bool { return plugin == sc.Plugin && phase.on }
		runFor(t, clock, []*Scheduler{s}, phase.steps, time.Minute)
		now = clock.Now()
	}
	got := ledger(t, q, sc.ID)
	want := []time.Time{
		time.Date(2026, 5, 1, 10, 1, 0, 0, time.UTC), time.Date(2026, 5, 1, 10, 2, 0, 0, time.UTC),
		time.Date(2026, 5, 1, 10, 5, 0, 0, time.UTC),
	}
	if len(got) != len(want) {
		t.Fatalf("ledger = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("ledger = %v, want %v", got, want)
		}
	}
}
