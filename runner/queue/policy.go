package queue

import (
	"errors"
	"time"
)

// Policy is how the queue treats the runs of one plugin.
type Policy struct {
	// MaxConcurrency bounds the plugin's simultaneous runs over all nodes
	// (0: no bound).
	MaxConcurrency int
	// MaxAttempts is how many times a failing run executes before it is
	// dead-lettered (default 3).
	MaxAttempts int
	// Backoff is the delay before each retry; the last value repeats
	// (default 1s, 10s, 1m).
	Backoff []time.Duration
	// Timeout bounds one attempt (0: none).
	Timeout time.Duration
}

// DefaultPolicy is used for plugins the policy function does not know.
func DefaultPolicy() Policy {
	return Policy{MaxAttempts: 3, Backoff: []time.Duration{time.Second, 10 * time.Second, time.Minute}}
}

func (p Policy) normalized() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 3
	}
	if len(p.Backoff) == 0 {
		p.Backoff = DefaultPolicy().Backoff
	}
	return p
}

func (p Policy) backoff(attempt int) time.Duration {
	i := attempt - 1
	if i >= len(p.Backoff) {
		i = len(p.Backoff) - 1
	}
	if i < 0 {
		i = 0
	}
	return p.Backoff[i]
}

// permanentError marks a failure retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the worker does not retry the run.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// retryable reports whether a failed run should be retried: not when the
// error is Permanent or says Retryable() == false.
func retryable(err error) bool {
	var p *permanentError
	if errors.As(err, &p) {
		return false
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return true
}
