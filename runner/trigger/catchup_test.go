package trigger

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// gateCaller holds the run of one slot until release is closed, so the
// runs a catch-up queues meanwhile find a run of the plugin going.
type gateCaller struct {
	hold    string // a substring of the held run's trigger
	release chan struct{}
}

func (c gateCaller) Call(ctx context.Context, req runner.CallRequest, _ runner.RunSink) (*runner.CallResult, error) {
	if strings.Contains(req.Trigger, c.hold) {
		select {
		case <-c.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &runner.CallResult{Plugin: req.Plugin}, nil
}

// finalRuns waits until n runs of plugin p have reached a final state.
func finalRuns(t *testing.T, q *queue.Queue, n int) []*runner.RunRecord {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		runs, err := q.ListRuns(context.Background(), runner.RunFilter{Plugin: "p"})
		if err != nil {
			t.Fatal(err)
		}
		var done []*runner.RunRecord
		for _, r := range runs {
			switch r.Status {
			case runner.StatusSucceeded, runner.StatusFailed, runner.StatusDead, runner.StatusCancelled:
				done = append(done, r)
			}
		}
		if len(done) >= n {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d runs final after 30s: %+v", len(done), n, runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCatchupAllRunsEveryMissedSlot: a schedule with catchup: all and the
// default overlap (skip) misses three slots; when they are caught up while
// a run of the plugin is going (the slot before them, still running; or
// one caught-up sibling, as issue 12 saw), all three must still run, none
// cancelled as overlapping.
func TestCatchupAllRunsEveryMissedSlot(t *testing.T) {
	c, q := openQueue(t, t.TempDir())
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gate := gateCaller{hold: "10:01:00Z", release: make(chan struct{})}
	go func() { _ = queue.NewWorker(q, gate, queue.WorkerOptions{Grace: time.Second}).Run(ctx) }()

	start := time.Date(2026, 5, 1, 10, 0, 30, 0, time.UTC)
	clock := NewFake(start)
	sc := schedule(t, "* * * * *", "", runner.CatchupAll)
	if sc.Overlap != runner.OverlapSkip {
		t.Fatalf("overlap = %q, want the default skip", sc.Overlap)
	}
	runFor(t, clock, []*Scheduler{NewScheduler(q, []*Schedule{sc}, clock, nil)}, 1, time.Minute) // slot 10:01
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if busy, err := q.Running(ctx, "p"); err == nil && busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the 10:01 run never showed as running")
		}
	}
	clock.Advance(3 * time.Minute) // down over 10:02, 10:03, 10:04
	runFor(t, clock, []*Scheduler{NewScheduler(q, []*Schedule{sc}, clock, nil)}, 0, 0)
	if got := ledger(t, q, sc.ID); len(got) != 4 {
		t.Fatalf("ledger = %v, want 4 slots", got)
	}
	close(gate.release)
	runs := finalRuns(t, q, 4)
	sort.Slice(runs, func(i, j int) bool { return runs[i].Trigger < runs[j].Trigger })
	for _, r := range runs {
		if r.Status != runner.StatusSucceeded {
			t.Errorf("run %s: %s %s", r.Trigger, r.Status, r.Error)
		}
	}
	if len(runs) != 4 {
		t.Fatalf("%d runs, want 4 (one live slot, three caught up)", len(runs))
	}
}
