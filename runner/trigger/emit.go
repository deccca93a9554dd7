package trigger

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
)

// Emitter publishes plugin events (the emit host function; the subject was
// checked against the plugin's grant). Subjects the event stream captures
// are published with a JetStream ack, so a chained trigger cannot lose
// them; others go out as core NATS messages.
type Emitter struct {
	c        *natsx.Conn
	plugins  *natsx.Conn // plugin events (Emit); nil: c
	captures func(subject string) bool
}

var _ runner.Emitter = (*Emitter)(nil)

// NewEmitter returns an emitter; captures (may be nil) tells which
// subjects a stream stores (Router.Captures).
func NewEmitter(c *natsx.Conn, captures func(string) bool) *Emitter {
	return &Emitter{c: c, captures: captures}
}

// WithPluginConn sends plugin events (Emit) through pc, typically
// natsx.Conn.PluginClient, whose NATS user the server refuses every
// reserved subject; drive events still go through the host's connection.
func (e *Emitter) WithPluginConn(pc *natsx.Conn) *Emitter {
	e.plugins = pc
	return e
}

// Emit publishes a plugin's data on subject with headers. A subject in
// wasmdrive's reserved set (namespace.CheckPublish) is refused with an
// error matching drive.ErrPermission; reserved headers (Nats-*,
// Wasmdrive-*) are dropped, then the host's chain headers are set
// (markCause).
func (e *Emitter) Emit(ctx context.Context, subject string, data []byte, headers map[string]string) error {
	if err := runner.ValidSubject(subject); err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	if err := namespace.CheckPublish(subject); err != nil {
		return fmt.Errorf("emit: %w: %w", drive.ErrPermission, err)
	}
	m := nats.NewMsg(subject)
	m.Data = data
	for k, v := range headers {
		if !namespace.ReservedHeader(k) {
			m.Header.Set(k, v)
		}
	}
	markCause(ctx, m)
	c := e.c
	if e.plugins != nil {
		c = e.plugins
	}
	return e.publish(ctx, c, m)
}

// PublishDriveEvent publishes a drive change event (the host's own
// subject, which Emit refuses to plugins). A change a run made carries the
// run's chain headers, so a plugin triggered by its own uploads is bounded
// like one triggered by its own emits.
func (e *Emitter) PublishDriveEvent(ctx context.Context, subject string, data []byte) error {
	if !namespace.Match(namespace.Drive+".>", subject) {
		return fmt.Errorf("drive event: %q is not under %s.>", subject, namespace.Drive)
	}
	m := nats.NewMsg(subject)
	m.Data = data
	markCause(ctx, m)
	return e.publish(ctx, e.c, m)
}

// markCause sets the chain headers of an event a run publishes: its hop
// (one more than the run's) and the run's ID. Outside a run (no
// runner.Cause, no hostfuncs.Env) the event is left as the start of a
// chain.
func markCause(ctx context.Context, m *nats.Msg) {
	c, ok := runner.CauseOf(ctx)
	if env := hostfuncs.EnvFrom(ctx); env != nil {
		ok = true
		if c.RunID == "" {
			c.RunID = env.RunID
		}
	}
	if !ok {
		return
	}
	m.Header.Set(namespace.HopHeader, strconv.Itoa(c.Hop+1))
	if c.RunID != "" {
		m.Header.Set(namespace.CausedByHeader, c.RunID)
	}
}

func (e *Emitter) publish(ctx context.Context, c *natsx.Conn, m *nats.Msg) error {
	subject := m.Subject
	if e.captures != nil && e.captures(subject) {
		// With its own deadline and retries; the message id lets the
		// stream drop a copy whose first attempt was stored unacked.
		if m.Header.Get(jetstream.MsgIDHeader) == "" {
			m.Header.Set(jetstream.MsgIDHeader, "emit:"+nuid.Next())
		}
		if err := natsx.Call(ctx, natsx.Retry{}, "emit", func(ctx context.Context) error {
			_, err := c.JS.PublishMsg(ctx, m)
			return err
		}); err != nil {
			return fmt.Errorf("emit %s: %w", subject, err)
		}
		return nil
	}
	if err := c.NC.PublishMsg(m); err != nil {
		return fmt.Errorf("emit %s: %w", subject, err)
	}
	return nil
}
