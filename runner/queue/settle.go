package queue

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

// settle ends an attempt: it writes the run's record, then acks or naks
// the request (reply), each a NATS call with its own deadline and bounded
// retry (natsx.Call). A record that cannot be written leaves the request
// unacknowledged: it is delivered again after AckWait and the run executes
// again, instead of a record that says "running" with nobody running it.
func (q *Queue) settle(m jetstream.Msg, rec *runner.RunRecord, what string, reply func(context.Context) error) {
	ctx := context.Background()
	if err := natsx.Call(ctx, q.Opts.Retry, "write run record", func(ctx context.Context) error {
		return q.putRecord(ctx, rec)
	}); err != nil {
		q.log.Error("run record not written; its request will be delivered again", "run", rec.ID, "status", rec.Status, "err", err)
		return
	}
	if err := natsx.Call(ctx, q.Opts.Retry, what, reply); err != nil {
		q.log.Warn(what+" of a run request failed; it will be delivered again and found finished", "run", rec.ID, "err", err)
	}
}

// ack acknowledges m and waits for the server's confirmation.
func ack(m jetstream.Msg) (string, func(context.Context) error) {
	return "ack", func(ctx context.Context) error { return m.DoubleAck(ctx) }
}

// nak hands m back for a redelivery after delay (0: at once).
func nak(m jetstream.Msg, delay time.Duration) (string, func(context.Context) error) {
	return "nak", func(context.Context) error {
		if delay <= 0 {
			return m.Nak()
		}
		return m.NakWithDelay(delay)
	}
}
