package trigger

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// stampCaller reports publish → caller entry for events carrying X-Pub.
type stampCaller chan time.Duration

func (c stampCaller) Call(_ context.Context, req runner.CallRequest, _ runner.RunSink) (*runner.CallResult, error) {
	var ev Event
	if json.Unmarshal(req.Input, &ev) == nil {
		if ns, err := strconv.ParseInt(ev.Headers["X-Pub"], 10, 64); err == nil {
			c <- time.Since(time.Unix(0, ns))
		}
	}
	return &runner.CallResult{Plugin: req.Plugin}, nil
}

// BenchmarkEventToEntry measures event published → caller entry through
// the event stream, trigger consumer, run stream and a worker, one event
// at a time, with a Go caller (no Wasm). It reports p50 and p99.
func BenchmarkEventToEntry(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := natsx.Open(ctx, natsx.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	q, err := queue.Setup(ctx, c, queue.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st, _ := NewSubjectTrigger("p", 0, runner.Trigger{Subject: "bench.>"})
	r, err := NewRouter(ctx, c, q, []*SubjectTrigger{st}, nil)
	if err != nil {
		b.Fatal(err)
	}
	calls := make(stampCaller, 1)
	go func() { _ = r.Run(ctx) }()
	go func() { _ = queue.NewWorker(q, calls, queue.WorkerOptions{}).Run(ctx) }()
	lats := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := nats.NewMsg("bench.x")
		m.Header.Set("X-Pub", strconv.FormatInt(time.Now().UnixNano(), 10))
		m.Data = []byte(`{}`)
		if err := c.NC.PublishMsg(m); err != nil {
			b.Fatal(err)
		}
		select {
		case d := <-calls:
			lats = append(lats, d)
		case <-time.After(10 * time.Second):
			b.Fatal("event not delivered")
		}
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds()), "p99-µs")
}
