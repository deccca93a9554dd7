package queue

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/natsx"
)

// Options tune the queue. Zero values take the defaults noted.
type Options struct {
	// Node names this process in run records (default "node").
	Node string
	// AckWait is how long a delivered request may go without an ack or an
	// InProgress heartbeat before another node gets it (default 30s).
	AckWait time.Duration
	// Dedup is the idempotency-key window of the run stream (default 1h);
	// schedule catch-up windows must not exceed it.
	Dedup time.Duration
	// History is how long run requests, records and dead letters are kept (default 7 days).
	History time.Duration
	// LogMaxAge and LogMaxBytes bound the log stream (default 7 days,
	// config.DefaultLogsMaxBytes); JetStream reserves LogMaxBytes on disk.
	LogMaxAge   time.Duration
	LogMaxBytes int64
	// EventsMaxBytes bounds the trigger event stream (default
	// config.DefaultEventsMaxBytes).
	EventsMaxBytes int64
	// KVMaxBytes caps the run records bucket (0: no cap).
	KVMaxBytes int64
	// LogMaxLinesPerRun bounds one run's lines in the log stream over all
	// its attempts (default 100000): a backstop behind the plugin host's
	// per-call caps (limits.max_log_lines, limits.max_log_bytes). A run
	// beyond it loses its own oldest lines, never another run's.
	LogMaxLinesPerRun int64
	// LeaseTTL is how long a lease outlives its last heartbeat (default AckWait).
	LeaseTTL time.Duration
	// MaxAckPending bounds the requests in flight over all nodes (default 10000).
	MaxAckPending int
	// Retry is the deadline and retry of the NATS calls that end a run
	// (record, ack) and of its log sends (zero: natsx.DefaultRetry).
	Retry natsx.Retry
	// Logger for queue events (default slog.Default()).
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Node == "" {
		o.Node = "node"
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.Dedup <= 0 {
		o.Dedup = time.Hour
	}
	if o.History <= 0 {
		o.History = 7 * 24 * time.Hour
	}
	if o.Dedup > o.History {
		o.Dedup = o.History
	}
	if o.LogMaxAge <= 0 {
		o.LogMaxAge = 7 * 24 * time.Hour
	}
	if o.LogMaxBytes <= 0 {
		o.LogMaxBytes = config.DefaultLogsMaxBytes
	}
	if o.EventsMaxBytes <= 0 {
		o.EventsMaxBytes = config.DefaultEventsMaxBytes
	}
	if o.LogMaxLinesPerRun <= 0 {
		o.LogMaxLinesPerRun = 100000
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = o.AckWait
	}
	if o.LeaseTTL < time.Second {
		o.LeaseTTL = time.Second // KV TTL granularity
	}
	if o.MaxAckPending <= 0 {
		o.MaxAckPending = 10000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Queue holds the JetStream resources shared by the service, workers and
// triggers of one node.
type Queue struct {
	Conn    *natsx.Conn
	JS      jetstream.JetStream
	Opts    Options
	Runs    jetstream.Stream
	DLQ     jetstream.Stream
	LogsS   jetstream.Stream
	Work    jetstream.Consumer
	Records jetstream.KeyValue
	Leases  jetstream.KeyValue
	log     *slog.Logger

	// replies holds the ack subject of each request this node executes
	// (run id → string), stored with its "running" record (reap.go).
	replies sync.Map
}

// Setup creates (or updates) every stream, consumer and bucket the queue
// uses; every node calls it at start.
func Setup(ctx context.Context, c *natsx.Conn, o Options) (*Queue, error) {
	o.defaults()
	q := &Queue{Conn: c, JS: c.JS, Opts: o, log: o.Logger}
	var err error
	if q.Runs, err = c.EnsureStream(ctx, jetstream.StreamConfig{
		Name:        RunsStream,
		Description: "wasmdrive run requests and schedule slot ledger",
		Subjects:    []string{SubjectRequests + ".>"},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      o.History,
		Duplicates:  o.Dedup,
	}); err != nil {
		return nil, err
	}
	if q.DLQ, err = c.EnsureStream(ctx, jetstream.StreamConfig{
		Name:        DLQStream,
		Description: "wasmdrive runs whose retries ran out",
		Subjects:    []string{SubjectDLQ + ".>"},
		MaxAge:      o.History,
	}); err != nil {
		return nil, err
	}
	if q.LogsS, err = c.EnsureStream(ctx, jetstream.StreamConfig{
		Name:        LogsStream,
		Description: "wasmdrive run logs, one subject per run",
		Subjects:    []string{SubjectLogs + ".>"},
		MaxAge:      o.LogMaxAge,
		MaxBytes:    o.LogMaxBytes,
		// One subject per run: a per-subject cap is a per-run cap.
		MaxMsgsPerSubject: o.LogMaxLinesPerRun,
		Discard:           jetstream.DiscardOld,
	}); err != nil {
		return nil, err
	}
	if q.Work, err = q.Runs.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       WorkConsumer,
		Description:   "run workers of every node",
		FilterSubject: SubjectRequests + ".>",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    -1, // attempts are counted in the run record; see worker.go
		MaxAckPending: o.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}); err != nil {
		return nil, fmt.Errorf("queue: consumer %s: %w", WorkConsumer, err)
	}
	if q.Records, err = c.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket: RecordsBucket, Description: "wasmdrive run records", History: 1, TTL: o.History, MaxBytes: kvCap(o.KVMaxBytes),
	}); err != nil {
		return nil, err
	}
	if q.Leases, err = c.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket: LeasesBucket, Description: "wasmdrive run leases", History: 1, TTL: o.LeaseTTL,
	}); err != nil {
		return nil, err
	}
	return q, nil
}

// kvCap is a bucket's MaxBytes for a configured cap (0: none).
func kvCap(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}
