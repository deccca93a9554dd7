package natsx

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/drive"
)

func TestCallRetriesTransientFailures(t *testing.T) {
	notFound := jetstream.ErrKeyNotFound
	tests := []struct {
		name        string
		errs        []error // returned by successive attempts (nil: success)
		wantCalls   int
		wantErr     error // errors.Is target; nil: success
		unavailable bool
	}{
		{name: "success", errs: []error{nil}, wantCalls: 1},
		{name: "timeout then success", errs: []error{context.DeadlineExceeded, nil}, wantCalls: 2},
		{name: "no responders twice then success", errs: []error{nats.ErrNoResponders, jetstream.ErrNoStreamResponse, nil}, wantCalls: 3},
		{name: "not found is final", errs: []error{notFound}, wantCalls: 1, wantErr: notFound},
		{name: "always timing out", errs: []error{nats.ErrTimeout, nats.ErrTimeout, nats.ErrTimeout, nil}, wantCalls: 3, wantErr: ErrUnavailable, unavailable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := Call(context.Background(), Retry{Timeout: time.Second, Attempts: 3, Backoff: time.Millisecond}, "op", func(ctx context.Context) error {
				if _, ok := ctx.Deadline(); !ok {
					t.Error("attempt without a deadline")
				}
				calls++
				return tt.errs[calls-1]
			})
			if calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tt.wantCalls)
			}
			if (tt.wantErr == nil) != (err == nil) || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := errors.Is(err, drive.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(err, drive.ErrUnavailable) = %v, want %v (%v)", got, tt.unavailable, err)
			}
		})
	}
}

// TestCallAttemptDeadline: an attempt that never returns on its own is
// ended by its deadline, although the caller's context has none.
func TestCallAttemptDeadline(t *testing.T) {
	calls := 0
	err := Call(context.Background(), Retry{Timeout: 10 * time.Millisecond, Attempts: 2, Backoff: time.Millisecond}, "stuck", func(ctx context.Context) error {
		calls++
		<-ctx.Done()
		return ctx.Err()
	})
	if calls != 2 || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("calls = %d, err = %v; want 2 attempts then ErrUnavailable", calls, err)
	}
	// The caller's context did not end: a plugin must not see a timeout
	// of its own call (hostfuncs maps DeadlineExceeded to a final timeout).
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v matches context.DeadlineExceeded", err)
	}
}

func TestCallStopsWithCallersContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Call(ctx, Retry{Timeout: time.Second, Attempts: 5, Backoff: time.Millisecond}, "op", func(context.Context) error {
		calls++
		cancel()
		return nats.ErrTimeout
	})
	if calls != 1 || errors.Is(err, ErrUnavailable) {
		t.Fatalf("calls = %d, err = %v; want one attempt and the caller's cancellation", calls, err)
	}
}
