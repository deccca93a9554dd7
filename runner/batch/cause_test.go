package batch

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// causeApplier records the run cause each item is applied under.
type causeApplier struct {
	mu  sync.Mutex
	got []runner.Cause
}

func (a *causeApplier) Apply(ctx context.Context, _ string, it drive.BatchRequest, _ bool) drive.BatchResult {
	c, _ := runner.CauseOf(ctx)
	a.mu.Lock()
	a.got = append(a.got, c)
	a.mu.Unlock()
	return drive.BatchResult{ID: it.ID, Status: http.StatusOK}
}

// TestBatchCarriesRunCause: a batch a run submits is applied (on whatever
// node) under that run's cause, so the drive events it makes carry the
// run's hop and a trigger loop through batched changes stops at
// plugins.max_trigger_depth too.
func TestBatchCarriesRunCause(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := natsx.Open(ctx, natsx.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q, err := queue.Setup(ctx, c, queue.Options{AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a := &causeApplier{}
	e, err := New(ctx, q, a, Options{ChunkSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.Run(ctx) }()
	call := hostfuncs.WithEnv(runner.WithCause(ctx, runner.Cause{RunID: "run9", Hop: 4}), &hostfuncs.Env{RunID: "run9", Plugin: "p"})
	if _, err := e.Batch(call, items(5), drive.BatchOptions{}); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.got) != 5 {
		t.Fatalf("%d items applied, want 5", len(a.got))
	}
	for i, got := range a.got {
		if got != (runner.Cause{RunID: "run9", Hop: 4}) {
			t.Errorf("item %d applied under cause %+v, want run9 at hop 4", i, got)
		}
	}
}
