package natsx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/drive"
)

// Every NATS request wasmdrive makes on behalf of a run (a KV read or
// write, a publish that waits for its ack, an ack) goes through Call: it
// gets its own deadline, however long the run may take, and a bounded
// retry. A request whose reply was lost when the server restarted then
// fails over instead of waiting for the run's timeout (hours).

// Retry is the deadline and retry policy of one NATS call.
type Retry struct {
	// Timeout bounds one attempt (default CallTimeout).
	Timeout time.Duration
	// Attempts is how many times a transient failure is tried (default
	// CallAttempts).
	Attempts int
	// Backoff is the pause before the second attempt, doubled for each
	// later one (default 250ms).
	Backoff time.Duration
}

// Defaults of Retry.
const (
	CallTimeout  = 10 * time.Second
	CallAttempts = 3
)

// DefaultRetry is the policy of calls made with a zero Retry.
var DefaultRetry = Retry{Timeout: CallTimeout, Attempts: CallAttempts, Backoff: 250 * time.Millisecond}

func (r Retry) normalized() Retry {
	if r.Timeout <= 0 {
		r.Timeout = DefaultRetry.Timeout
	}
	if r.Attempts <= 0 {
		r.Attempts = DefaultRetry.Attempts
	}
	if r.Backoff <= 0 {
		r.Backoff = DefaultRetry.Backoff
	}
	return r
}

// ErrUnavailable marks a NATS call that still failed after its retries. It
// matches drive.ErrUnavailable, so plugins see a retryable "unavailable"
// error and a run that gives up on it is retried by the queue.
var ErrUnavailable = fmt.Errorf("NATS unavailable: %w", drive.ErrUnavailable)

// Call runs fn with a deadline per attempt and retries it while it fails
// transiently (see Transient), up to r.Attempts times. The caller's ctx
// still bounds the whole: once it ends, Call returns its error. After the
// last attempt the error wraps ErrUnavailable; other errors (not found, a
// conflict...) are returned as they are, at once.
func Call(ctx context.Context, r Retry, op string, fn func(ctx context.Context) error) error {
	r = r.normalized()
	pause := r.Backoff
	var err error
	for i := 0; i < r.Attempts; i++ {
		if i > 0 {
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%s: %w (after: %v)", op, ctx.Err(), err)
			case <-t.C:
			}
			pause *= 2
		}
		actx, cancel := context.WithTimeout(ctx, r.Timeout)
		err = fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err // the caller's own deadline or cancellation
		}
		if !Transient(err) {
			return err
		}
	}
	// The last error is text only: its deadline was the attempt's, not the
	// caller's, so errors.Is(err, context.DeadlineExceeded) must not hold.
	return fmt.Errorf("%s: %w: %d attempts of %s failed, last: %v", op, ErrUnavailable, r.Attempts, r.Timeout, err)
}

// Transient reports whether err is a NATS failure that may pass: a
// timeout, no responders (a restarting server or stream leader), a
// connection that is reconnecting, JetStream briefly unavailable.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	for _, t := range []error{
		context.DeadlineExceeded, nats.ErrTimeout, nats.ErrNoResponders, nats.ErrDisconnected,
		nats.ErrConnectionReconnecting, nats.ErrStaleConnection, jetstream.ErrNoStreamResponse,
		jetstream.ErrJetStreamNotEnabled, jetstream.ErrJetStreamNotEnabledForAccount,
		jetstream.ErrAsyncPublishTimeout,
	} {
		if errors.Is(err, t) {
			return true
		}
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.Code == 503 && !StorageFull(err)
}
