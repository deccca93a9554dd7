package batch

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

func TestBatchAcrossThreeExecutors(t *testing.T) {
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
	target, err := c.EnsureKV(ctx, jetstream.KeyValueConfig{Bucket: targetBucket})
	if err != nil {
		t.Fatal(err)
	}
	var execs []*Executor
	var wg sync.WaitGroup
	for i := range 3 {
		e, err := New(ctx, q, kvApplier{kv: target, node: itoa(i)}, Options{ChunkSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		execs = append(execs, e)
		wg.Add(1)
		go func() { defer wg.Done(); _ = e.Run(ctx) }()
	}
	var last int
	res, err := execs[0].Submit(ctx, "job1", "run1", "", items(1000), func(done, total int) { last = done })
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1000 || last != 1000 {
		t.Fatalf("results %d, progress %d", len(res), last)
	}
	for i, r := range res {
		if r.ID != "i"+itoa(i) || r.Status != http.StatusCreated {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
	if n, _ := countKeys(ctx, execs[0].kv, "item.>"); n != 0 {
		t.Fatalf("%d item records left after the job finished", n)
	}
	// Resubmitting the same job (a re-executed run) applies nothing again.
	res2, err := execs[1].Submit(ctx, "job1", "run1", "", items(1000), nil)
	if err != nil || len(res2) != 1000 {
		t.Fatalf("resubmit: %d results, %v", len(res2), err)
	}
	if n, _ := countKeys(ctx, target, "t.*"); n != 1000 {
		t.Fatalf("applied %d items, want 1000", n)
	}
	if n, _ := countKeys(ctx, target, "violation.*"); n != 0 {
		t.Fatalf("%d items applied twice", n)
	}
	cancel()
	wg.Wait()
}

func TestDecodeChunkRejectsBadInput(t *testing.T) {
	for _, b := range []string{``, `{}`, `{"job":"j","n":0,"items":[]}`, `{"job":"a.b","n":0,"items":[{"op":"copy"}]}`, `{"job":"j","n":-1,"items":[{}]}`} {
		if _, err := DecodeChunk([]byte(b)); err == nil {
			t.Errorf("DecodeChunk(%q) accepted", b)
		}
	}
	if _, err := DecodeChunk([]byte(`{"job":"j-1","n":2,"items":[{"op":"copy","file_id":"x"}]}`)); err != nil {
		t.Fatal(err)
	}
}

func FuzzDecodeChunk(f *testing.F) {
	f.Add([]byte(`{"job":"j","n":1,"items":[{"op":"copy"}]}`))
	f.Add([]byte(`{"job":"","items":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeChunk(b)
		if err == nil && (c.Job == "" || len(c.Items) == 0 || c.N < 0) {
			t.Fatalf("accepted %q", b)
		}
	})
}
