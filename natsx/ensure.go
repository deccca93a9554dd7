package natsx

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// EnsureStream creates or updates a stream, with the connection's replica
// count. It is idempotent: every node calls it at start.
func (c *Conn) EnsureStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	if cfg.Replicas == 0 {
		cfg.Replicas = c.Replicas
	}
	s, err := c.JS.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("natsx: stream %s: %w", cfg.Name, err)
	}
	return s, nil
}

// EnsureKV creates or updates a key-value bucket with the connection's
// replica count.
func (c *Conn) EnsureKV(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	if cfg.Replicas == 0 {
		cfg.Replicas = c.Replicas
	}
	kv, err := c.JS.CreateOrUpdateKeyValue(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("natsx: kv bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}
