package trigger

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

// Emitter publishes plugin events (the emit host function; the subject was
// checked against the plugin's grant). Subjects the event stream captures
// are published with a JetStream ack, so a chained trigger cannot lose
// them; others go out as core NATS messages.
type Emitter struct {
	c        *natsx.Conn
	captures func(subject string) bool
}

var _ runner.Emitter = (*Emitter)(nil)

// NewEmitter returns an emitter; captures (may be nil) tells which
// subjects a stream stores (Router.Captures).
func NewEmitter(c *natsx.Conn, captures func(string) bool) *Emitter {
	return &Emitter{c: c, captures: captures}
}

// Emit publishes data on subject with headers.
func (e *Emitter) Emit(ctx context.Context, subject string, data []byte, headers map[string]string) error {
	if err := runner.ValidSubject(subject); err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	for _, r := range reserved {
		if overlaps(subject, r) {
			return fmt.Errorf("emit: %q is reserved for wasmdrive itself", subject)
		}
	}
	m := nats.NewMsg(subject)
	m.Data = data
	for k, v := range headers {
		m.Header.Set(k, v)
	}
	if e.captures != nil && e.captures(subject) {
		if _, err := e.c.JS.PublishMsg(ctx, m); err != nil {
			return fmt.Errorf("emit %s: %w", subject, err)
		}
		return nil
	}
	if err := e.c.NC.PublishMsg(m); err != nil {
		return fmt.Errorf("emit %s: %w", subject, err)
	}
	return nil
}
