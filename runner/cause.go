package runner

import "context"

// Cause places a run in a chain of subject triggers: the events a run
// publishes name it and count one hop more than it, so a trigger can refuse
// a chain that loops (plugins.max_trigger_depth).
type Cause struct {
	RunID string // the run executing
	Hop   int    // runs before it in its chain (0: started from outside)
}

type causeKey struct{}

// WithCause returns ctx carrying the cause of the run it executes; the run
// queue sets it, the event emitter reads it.
func WithCause(ctx context.Context, c Cause) context.Context {
	return context.WithValue(ctx, causeKey{}, c)
}

// CauseOf returns the cause ctx carries (zero, false: none).
func CauseOf(ctx context.Context) (Cause, bool) {
	c, ok := ctx.Value(causeKey{}).(Cause)
	return c, ok
}
