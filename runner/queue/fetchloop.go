package queue

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// FetchLoop pulls messages from cons only when it has a free slot (at most
// slots handled at once, so no message waits in a local buffer while its
// AckWait runs out) and runs handle for each on its own goroutine, until
// ctx ends. It returns with handlers possibly still running; wg tracks them.
// Fetch errors other than timeouts are logged with what and retried.
func FetchLoop(ctx context.Context, cons jetstream.Consumer, slots int, wg *sync.WaitGroup, log *slog.Logger, what string, handle func(jetstream.Msg)) {
	sem := make(chan struct{}, slots)
	for ctx.Err() == nil {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		n := 1 // one free slot, plus any others free right now
	more:
		for n < slots {
			select {
			case sem <- struct{}{}:
				n++
			default:
				break more
			}
		}
		b, err := cons.Fetch(n, jetstream.FetchMaxWait(time.Second)) // server-side expiry: no message can arrive after the batch closed
		got := 0
		if err == nil {
			for m := range b.Messages() {
				got++
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					handle(m)
				}()
			}
			err = b.Error()
		}
		for i := got; i < n; i++ {
			<-sem
		}
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) {
			log.Warn("fetch "+what, "err", err)
			time.Sleep(200 * time.Millisecond)
		}
	}
}
