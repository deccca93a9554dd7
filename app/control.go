package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// Control subjects answered by serve nodes (one per request, queue group).
const (
	SubjectPlugins    = "wasmdrive.control.plugins"
	SubjectSetEnabled = "wasmdrive.control.enable"
	controlGroup      = "wasmdrive-control"
)

// serveControl answers plugin questions from CLI commands until ctx ends.
func (a *App) serveControl(ctx context.Context) error {
	nc := a.Conn.NC
	s1, err := nc.QueueSubscribe(SubjectPlugins, controlGroup, func(m *nats.Msg) {
		ps, err := a.Service.Plugins(ctx)
		reply(m, ps, err)
	})
	if err != nil {
		return fmt.Errorf("app: control: %w", err)
	}
	defer func() { _ = s1.Unsubscribe() }()
	s2, err := nc.QueueSubscribe(SubjectSetEnabled, controlGroup, func(m *nats.Msg) {
		var req struct {
			Plugin  string `json:"plugin"`
			Enabled bool   `json:"enabled"`
		}
		if err := json.Unmarshal(m.Data, &req); err != nil {
			reply(m, nil, err)
			return
		}
		reply(m, nil, a.Service.SetEnabled(ctx, req.Plugin, req.Enabled))
	})
	if err != nil {
		return fmt.Errorf("app: control: %w", err)
	}
	defer func() { _ = s2.Unsubscribe() }()
	<-ctx.Done()
	return nil
}

type controlReply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

func reply(m *nats.Msg, v any, err error) {
	var r controlReply
	if err != nil {
		r.Error = err.Error()
	} else {
		r.Result, _ = json.Marshal(v)
	}
	b, _ := json.Marshal(r)
	_ = m.Respond(b)
}

// RemoteCatalog asks running serve nodes about plugins (queue.Catalog for
// CLI commands). With no node up it reports ErrNoNode.
type RemoteCatalog struct{ NC *nats.Conn }

// ErrNoNode: no serve node answered (it wraps queue.ErrNoCatalog).
var ErrNoNode = fmt.Errorf("no wasmdrive serve node is running: %w", queue.ErrNoCatalog)

func (c RemoteCatalog) call(ctx context.Context, subject string, req, out any) error {
	b, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	m, err := c.NC.RequestWithContext(ctx, subject, b)
	if errors.Is(err, nats.ErrNoResponders) {
		return ErrNoNode
	}
	if err != nil {
		return fmt.Errorf("ask serve nodes: %w", err)
	}
	var r controlReply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return fmt.Errorf("ask serve nodes: bad reply: %w", err)
	}
	if r.Error != "" {
		return errors.New(r.Error)
	}
	if out != nil {
		return json.Unmarshal(r.Result, out)
	}
	return nil
}

// Plugins lists the plugins of a serve node.
func (c RemoteCatalog) Plugins(ctx context.Context) ([]runner.PluginInfo, error) {
	var ps []runner.PluginInfo
	err := c.call(ctx, SubjectPlugins, struct{}{}, &ps)
	return ps, err
}

// SetEnabled turns a plugin on or off on a serve node.
func (c RemoteCatalog) SetEnabled(ctx context.Context, plugin string, enabled bool) error {
	return c.call(ctx, SubjectSetEnabled, map[string]any{"plugin": plugin, "enabled": enabled}, nil)
}
