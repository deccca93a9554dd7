package batch

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// detEnv is a queue and a target bucket for the determinism tests.
func detEnv(t *testing.T, ctx context.Context) (*queue.Queue, jetstream.KeyValue) {
	t.Helper()
	c, err := natsx.Open(ctx, natsx.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	q, err := queue.Setup(ctx, c, queue.Options{AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	target, err := c.EnsureKV(ctx, jetstream.KeyValueConfig{Bucket: targetBucket})
	if err != nil {
		t.Fatal(err)
	}
	return q, target
}

// TestBatchItemOrdinalsFromJobRecord: items without an id are numbered by
// their place in the job, from the submitter's chunking recorded in the job
// record, not from the chunk size of the node that happens to work on a
// chunk.
func TestBatchItemOrdinalsFromJobRecord(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q, target := detEnv(t, ctx)
	// The submitting node chunks by 3 and works on no chunks; the worker
	// nodes are configured with other chunk sizes.
	sub, err := New(ctx, q, kvApplier{kv: target, node: "sub"}, Options{ChunkSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for i, size := range []int{7, 2} {
		w, err := New(ctx, q, kvApplier{kv: target, node: "w" + itoa(i)}, Options{ChunkSize: size})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx) }()
	}
	reqs := items(10)
	for i := range reqs {
		reqs[i].ID = ""
	}
	res, err := sub.Submit(ctx, "jobord", "runord", "", reqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.ID != strconv.Itoa(i) || r.Status != http.StatusCreated {
			t.Errorf("result %d = %+v, want id %d created", i, r, i)
		}
	}
	if n, _ := countKeys(ctx, target, "t.*"); n != len(reqs) {
		t.Errorf("applied %d distinct items, want %d", n, len(reqs))
	}
}

// TestBatchRerunOnAnyNodeResubmitsSameJobs: a run re-executed (on the same
// node or another) numbers its Batch calls from its own call, so it
// resubmits the same jobs and gets the first execution's results without
// applying any item again.
func TestBatchRerunOnAnyNodeResubmitsSameJobs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q, target := detEnv(t, ctx)
	var nodes []*Executor
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for i := range 2 {
		e, err := New(ctx, q, kvApplier{kv: target, node: "n" + itoa(i)}, Options{ChunkSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, e)
		wg.Add(1)
		go func() { defer wg.Done(); _ = e.Run(ctx) }()
	}
	second := make([]drive.BatchRequest, 3)
	for i := range second {
		second[i] = drive.BatchRequest{ID: "b" + itoa(i), Op: drive.OpCopy, FileID: "g" + itoa(i), ToParentID: "dst"}
	}
	// One execution of run "rerun": two Batch calls in one plugin call.
	execute := func(e *Executor) [][]drive.BatchResult {
		call := hostfuncs.WithEnv(ctx, &hostfuncs.Env{RunID: "rerun", Plugin: "p"})
		var out [][]drive.BatchResult
		for _, reqs := range [][]drive.BatchRequest{items(5), second} {
			res, err := e.Batch(call, reqs, drive.BatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res)
		}
		return out
	}
	first := execute(nodes[0])
	for b, res := range first {
		for i, r := range res {
			if r.Status != http.StatusCreated {
				t.Fatalf("first execution, batch %d item %d = %+v", b, i, r)
			}
		}
	}
	// Re-executed on the same node, then on the other one.
	for _, e := range []*Executor{nodes[0], nodes[1]} {
		if got := execute(e); !reflect.DeepEqual(got, first) {
			t.Errorf("re-execution results %+v, want the first execution's %+v", got, first)
		}
	}
	if n, _ := countKeys(ctx, target, "violation.*"); n != 0 {
		t.Errorf("%d items applied again by a re-execution", n)
	}
}
