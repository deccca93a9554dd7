package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/jskv"
)

// EnabledBucket is the JetStream key-value bucket holding the operator's
// enable/disable overrides (console, CLI), one key per plugin. Every node
// sharing the NATS watches it, so turning a plugin off anywhere turns it
// off everywhere, and the state survives restarts. A plugin with no key
// follows the config (plugins.enabled).
const EnabledBucket = namespace.EnabledBucket

// Override is the value of a plugin's key in EnabledBucket.
type Override struct {
	Enabled bool      `json:"enabled"`
	At      time.Time `json:"at"`
	Node    string    `json:"node,omitempty"` // the node that took the request
}

// OpenEnabledBucket creates (idempotently) the overrides bucket.
func OpenEnabledBucket(ctx context.Context, c *natsx.Conn) (jetstream.KeyValue, error) {
	kv, err := c.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket: EnabledBucket, Description: "wasmdrive plugin enable/disable overrides", History: 5,
	})
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return kv, nil
}

// PutOverride records plugin's override in the bucket without asking a
// node (a CLI with no node running); nodes apply it when they start.
func PutOverride(ctx context.Context, kv jetstream.KeyValue, plugin, node string, enabled bool) error {
	b, err := json.Marshal(Override{Enabled: enabled, At: time.Now().UTC(), Node: node})
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	if _, err := kv.Put(ctx, jskv.Escape(plugin), b); err != nil {
		return fmt.Errorf("app: store the %s override of plugin %s: %w", onOff(enabled), plugin, err)
	}
	return nil
}

func onOff(enabled bool) string {
	if enabled {
		return "enable"
	}
	return "disable"
}

// enabledSync keeps the host's enabled flags equal to the bucket's
// overrides: sync applies every stored one, run then follows updates,
// and a plugin (re)loaded by hot reload gets its override again
// (runner.Options.OnChange).
type enabledSync struct {
	kv   jetstream.KeyValue
	node string
	log  *slog.Logger

	mu   sync.Mutex
	host *runner.Host
	last map[string]bool // plugin → enabled, as last read from the bucket
}

// catalog is the queue.Catalog of a node: plugin info from the host,
// enable/disable through the bucket.
type catalog struct {
	host *runner.Host
	sync *enabledSync
}

// Plugins lists the host's plugins (their Enabled reflects the overrides).
func (c catalog) Plugins(ctx context.Context) ([]runner.PluginInfo, error) {
	return c.host.Plugins(ctx)
}

// SetEnabled applies the override here first (so an unknown plugin, or
// enabling one the config does not list, fails with the host's error),
// then stores it for every node. If storing fails the local change is
// undone.
func (c catalog) SetEnabled(ctx context.Context, plugin string, enabled bool) error {
	before, err := c.host.Plugin(plugin)
	if err != nil {
		return err
	}
	if err := c.host.SetEnabled(ctx, plugin, enabled); err != nil {
		return err
	}
	if err := PutOverride(ctx, c.sync.kv, plugin, c.sync.node, enabled); err != nil {
		if rerr := c.host.SetEnabled(context.WithoutCancel(ctx), plugin, before.Enabled); rerr != nil {
			c.sync.log.Warn("undo plugin enable change", "plugin", plugin, "err", rerr)
		}
		return err
	}
	return nil
}

// attach sets the host once it exists.
func (s *enabledSync) attach(h *runner.Host) {
	s.mu.Lock()
	s.host = h
	s.mu.Unlock()
}

// sync applies the overrides stored now (at start, before any run).
func (s *enabledSync) sync(ctx context.Context) error {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("app: watch %s: %w", EnabledBucket, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("app: watch %s: closed before the stored overrides were read", EnabledBucket)
			}
			if e == nil {
				return nil // every stored override is applied
			}
			s.apply(ctx, e)
		case <-ctx.Done():
			return fmt.Errorf("app: read %s: %w", EnabledBucket, ctx.Err())
		}
	}
}

// run applies overrides as they change until ctx ends. The watch starts
// with the stored ones again, covering changes made since sync.
func (s *enabledSync) run(ctx context.Context) error {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("app: watch %s: %w", EnabledBucket, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("app: watch %s: closed", EnabledBucket)
			}
			if e != nil {
				s.apply(ctx, e)
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// apply sets one plugin's flag from a bucket entry. A deleted key means no
// override: the config decides again.
func (s *enabledSync) apply(ctx context.Context, e jetstream.KeyValueEntry) {
	plugin, err := jskv.Unescape(e.Key())
	if err != nil {
		s.log.Warn("ignoring a bad key in the plugin overrides", "bucket", EnabledBucket, "key", e.Key(), "err", err)
		return
	}
	enabled := true
	if e.Operation() == jetstream.KeyValuePut {
		var o Override
		if err := json.Unmarshal(e.Value(), &o); err != nil {
			s.log.Warn("ignoring a bad plugin override", "bucket", EnabledBucket, "plugin", plugin, "err", err)
			return
		}
		enabled = o.Enabled
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Operation() == jetstream.KeyValuePut {
		s.last[plugin] = enabled
	} else {
		delete(s.last, plugin)
	}
	s.setLocked(ctx, plugin, enabled)
}

// reapply gives a (re)loaded plugin its override (runner.Options.OnChange).
func (s *enabledSync) reapply(plugin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if enabled, ok := s.last[plugin]; ok {
		s.setLocked(context.Background(), plugin, enabled)
	}
}

// setLocked sets the host's flag. A plugin this node does not load, or one
// its config does not list, keeps its state: the override is for nodes
// where it applies.
func (s *enabledSync) setLocked(ctx context.Context, plugin string, enabled bool) {
	if s.host == nil {
		return // before the host exists; sync applies it
	}
	err := s.host.SetEnabled(ctx, plugin, enabled)
	switch {
	case err == nil:
		s.log.Debug("plugin override applied", "plugin", plugin, "enabled", enabled)
	case errors.Is(err, runner.ErrUnknownPlugin), errors.Is(err, runner.ErrDisabled):
		s.log.Debug("plugin override not applicable on this node", "plugin", plugin, "enabled", enabled, "err", err)
	default:
		s.log.Warn("apply plugin override", "plugin", plugin, "enabled", enabled, "err", err)
	}
}
