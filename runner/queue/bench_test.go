package queue

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

// BenchmarkRunThroughput measures runs through the full queue path (queued
// record, request, fetch, running and succeeded records, ack) with a Go
// no-op caller: the queue's own ceiling, without Wasm.
func BenchmarkRunThroughput(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := natsx.Open(ctx, natsx.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	q, err := Setup(ctx, c, Options{Node: "b"})
	if err != nil {
		b.Fatal(err)
	}
	var done atomic.Int64
	all := make(chan struct{}, 1)
	target := int64(b.N)
	caller := funcCaller{"noop": func(context.Context, runner.CallRequest, runner.RunSink) (json.RawMessage, error) {
		if done.Add(1) == target {
			all <- struct{}{}
		}
		return nil, nil
	}}
	go func() { _ = NewWorker(q, caller, WorkerOptions{Slots: 16}).Run(ctx) }()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := q.Enqueue(ctx, &Request{Plugin: "noop"}, ""); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-time.After(45 * time.Second):
		b.Fatalf("%d of %d runs", done.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}
