package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/progress"
)

// logStorage says at start what wasmdrive's streams and buckets reserve on
// the JetStream store and how much the store may hold, naming the config
// keys, so an operator on a small disk knows what to lower.
func (a *App) logStorage(ctx context.Context) {
	n := a.Cfg.NATS
	attrs := []any{
		"logs", progress.Bytes(n.LogsMaxBytes) + " (nats.logs_max_bytes)",
		"events", progress.Bytes(n.EventsMaxBytes) + " (nats.events_max_bytes)",
	}
	if n.KVMaxBytes > 0 {
		attrs = append(attrs, "kv", "2 × "+progress.Bytes(n.KVMaxBytes)+" (nats.kv_max_bytes)")
	}
	if a.Conn.Embedded() {
		limit := a.Conn.Server.JetStreamConfig().MaxStore
		attrs = append(attrs, "store", filepath.Join(a.Cfg.DataDir, "nats"), "store_limit", progress.Bytes(limit)+" (nats.max_store; default 75% of the free disk space)")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if ai, err := a.Conn.JS.AccountInfo(ctx); err == nil {
		attrs = append(attrs, "store_used", progress.Bytes(int64(ai.Store)), "store_reserved", progress.Bytes(int64(ai.ReservedStore)))
	}
	a.Log.Info("NATS storage: the streams and buckets reserve "+progress.Bytes(n.Reserved())+" of the JetStream store", attrs...)
}
