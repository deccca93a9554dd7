package natsx

import (
	"context"
	"errors"
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
		return nil, fmt.Errorf("natsx: stream %s: %w%s", cfg.Name, err, storageHint(err, cfg.MaxBytes))
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
		return nil, fmt.Errorf("natsx: kv bucket %s: %w%s", cfg.Bucket, err, storageHint(err, cfg.MaxBytes))
	}
	return kv, nil
}

// storageHint explains a stream the store has no room for.
func storageHint(err error, maxBytes int64) string {
	if !StorageFull(err) {
		return ""
	}
	return fmt.Sprintf(" (it reserves %d bytes: free disk space, or lower nats.logs_max_bytes, nats.events_max_bytes or nats.kv_max_bytes, or raise nats.max_store)", maxBytes)
}

// StorageFull reports whether err is JetStream refusing for lack of
// storage (its store limit reached, or its disk full).
func StorageFull(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode {
	case errCodeInsufficientResources, errCodeStorageResourcesExceeded:
		return true
	}
	return false
}

// JetStream error codes of a full store (nats-server errors.json).
const (
	errCodeInsufficientResources    jetstream.ErrorCode = 10023
	errCodeStorageResourcesExceeded jetstream.ErrorCode = 10047
)
