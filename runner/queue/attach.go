package queue

import (
	"context"
	"fmt"

	"github.com/wasmdrive/wasmdrive/natsx"
)

// Attach uses the streams, consumer and buckets a node already created,
// without changing their configuration (CLI commands next to a running
// node); if any is missing it falls back to Setup.
func Attach(ctx context.Context, c *natsx.Conn, o Options) (*Queue, error) {
	o.defaults()
	q := &Queue{Conn: c, JS: c.JS, Opts: o, log: o.Logger}
	var err error
	if q.Runs, err = c.JS.Stream(ctx, RunsStream); err != nil {
		return Setup(ctx, c, o)
	}
	if q.DLQ, err = c.JS.Stream(ctx, DLQStream); err != nil {
		return Setup(ctx, c, o)
	}
	if q.LogsS, err = c.JS.Stream(ctx, LogsStream); err != nil {
		return Setup(ctx, c, o)
	}
	if q.Work, err = q.Runs.Consumer(ctx, WorkConsumer); err != nil {
		return Setup(ctx, c, o)
	}
	if q.Records, err = c.JS.KeyValue(ctx, RecordsBucket); err != nil {
		return Setup(ctx, c, o)
	}
	if q.Leases, err = c.JS.KeyValue(ctx, LeasesBucket); err != nil {
		return Setup(ctx, c, o)
	}
	if ci := q.Work.CachedInfo(); ci != nil {
		q.Opts.AckWait = ci.Config.AckWait
	}
	if ls, err := q.Leases.Status(ctx); err == nil {
		q.Opts.LeaseTTL = ls.TTL()
	} else {
		return nil, fmt.Errorf("queue: leases bucket: %w", err)
	}
	return q, nil
}
