package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// Options tune an Executor.
type Options struct {
	// ChunkSize is the items per chunk (default drive.MaxBatchChunk).
	ChunkSize int
	// Slots is how many chunks this node works on at once (default 4).
	Slots int
	// ItemConcurrency is parallel items within a chunk (default 4).
	ItemConcurrency int
	// AckWait of the chunk consumer (default the queue's AckWait).
	AckWait time.Duration
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Audit records every chunk refused because it does not match its
	// job record (nil: logged only).
	Audit *hostfuncs.AuditLog
}

// Executor submits batches (it implements hostfuncs.Batcher) and, with
// Run, works on chunks of every node's batches.
type Executor struct {
	q       *queue.Queue
	js      jetstream.JetStream
	kv      jetstream.KeyValue
	stream  jetstream.Stream
	cons    jetstream.Consumer
	applier Applier
	o       Options
	log     *slog.Logger
}

var _ hostfuncs.Batcher = (*Executor)(nil)

// New sets up the batch stream, consumer and bucket (idempotently).
func New(ctx context.Context, q *queue.Queue, applier Applier, o Options) (*Executor, error) {
	if o.ChunkSize <= 0 {
		o.ChunkSize = drive.MaxBatchChunk
	}
	if o.Slots <= 0 {
		o.Slots = 4
	}
	if o.ItemConcurrency <= 0 {
		o.ItemConcurrency = 4
	}
	if o.AckWait <= 0 {
		o.AckWait = q.Opts.AckWait
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	e := &Executor{q: q, js: q.JS, applier: applier, o: o, log: o.Logger}
	var err error
	if e.stream, err = q.Conn.EnsureStream(ctx, jetstream.StreamConfig{
		Name: Stream, Description: "wasmdrive batch chunks", Subjects: []string{Subject + ".>"},
		Retention: jetstream.WorkQueuePolicy, MaxAge: 7 * 24 * time.Hour, Duplicates: time.Hour,
	}); err != nil {
		return nil, err
	}
	if e.cons, err = e.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: Consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: o.AckWait,
		MaxDeliver: -1, MaxAckPending: 10000,
	}); err != nil {
		return nil, fmt.Errorf("batch: consumer: %w", err)
	}
	if e.kv, err = q.Conn.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "wasmdrive batch progress", History: 1, TTL: 24 * time.Hour,
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// Batch submits reqs as a distributed job and waits for every result. The
// run id, account and progress sink come from the plugin call's
// hostfuncs.Env when ctx carries one.
func (e *Executor) Batch(ctx context.Context, reqs []drive.BatchRequest, opts drive.BatchOptions) ([]drive.BatchResult, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	runID, account, plugin, ord := queue.NewRunID(), "", "", 0
	var sink runner.RunSink
	if env := hostfuncs.EnvFrom(ctx); env != nil {
		if env.RunID != "" {
			runID = env.RunID
		}
		account, plugin, sink = env.Account, env.Plugin, env.Sink
		// The ordinal of this Batch call within the plugin call, counted
		// in the call's Env: the same whichever node (re-)executes the run.
		ord = env.NextBatchOrdinal()
	}
	cause, _ := runner.CauseOf(ctx)
	return e.submit(ctx, jobID(queue.Token(runID), ord, reqs), jobInfo{RunID: runID, Plugin: plugin, Account: account, Hop: cause.Hop}, reqs, func(done, total int) {
		if sink != nil {
			sink.Progress(runner.Progress{Done: int64(done), Total: int64(total), Unit: "items"})
		}
		if opts.Progress != nil {
			opts.Progress(done, total)
		}
	})
}

// Submit queues job (unless it exists already: a resubmission resumes it)
// and waits for its results, calling progress as chunks finish. The
// caller has checked reqs (hostfuncs checks them against the plugin's
// grant); the job record binds the chunks to them.
func (e *Executor) Submit(ctx context.Context, job, runID, account string, reqs []drive.BatchRequest, progress func(done, total int)) ([]drive.BatchResult, error) {
	return e.submit(ctx, job, jobInfo{RunID: runID, Account: account}, reqs, progress)
}

func (e *Executor) submit(ctx context.Context, job string, info jobInfo, reqs []drive.BatchRequest, progress func(done, total int)) ([]drive.BatchResult, error) {
	size := e.o.ChunkSize
	chunks := (len(reqs) + size - 1) / size
	info.Total, info.Chunks, info.Size, info.Sums = len(reqs), chunks, size, make([]string, chunks)
	for n := range chunks {
		info.Sums[n] = itemsSum(reqs[n*size : min((n+1)*size, len(reqs))])
	}
	if err := e.recordJob(ctx, job, &info); err != nil {
		return nil, err
	}
	// Start watching before publishing so no done marker is missed.
	w, err := e.kv.Watch(ctx, "done."+job+".*")
	if err != nil {
		return nil, fmt.Errorf("batch: watch job %s: %w", job, err)
	}
	defer func() { _ = w.Stop() }()
	var futures []jetstream.PubAckFuture
	for n := 0; n < chunks; n++ {
		end := min((n+1)*size, len(reqs))
		b, err := json.Marshal(Chunk{Job: job, N: n, Account: info.Account, RunID: info.RunID, Items: reqs[n*size : end]})
		if err != nil {
			return nil, fmt.Errorf("batch: encode chunk: %w", err)
		}
		f, err := e.js.PublishAsync(Subject+"."+job, b, jetstream.WithMsgID(job+"."+strconv.Itoa(n)))
		if err != nil {
			return nil, fmt.Errorf("batch: queue chunk %d of %s: %w", n, job, err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return nil, fmt.Errorf("batch: queue chunks of %s: %w", job, err)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	results := make([]drive.BatchResult, len(reqs))
	seen := make(map[int]bool, chunks)
	done := 0
	for len(seen) < chunks {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("batch: job %s: %d of %d chunks done: %w", job, len(seen), chunks, ctx.Err())
		case ent, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("batch: job %s: watcher closed", job)
			}
			if ent == nil || ent.Operation() != jetstream.KeyValuePut {
				continue
			}
			n, err := strconv.Atoi(ent.Key()[strings.LastIndexByte(ent.Key(), '.')+1:])
			if err != nil || n < 0 || n >= chunks || seen[n] {
				continue
			}
			var rs []drive.BatchResult
			if err := json.Unmarshal(ent.Value(), &rs); err != nil {
				return nil, fmt.Errorf("batch: job %s chunk %d: bad results: %w", job, n, err)
			}
			seen[n] = true
			copy(results[n*size:], rs)
			done += len(rs)
			if progress != nil {
				progress(done, len(reqs))
			}
		}
	}
	e.purge(ctx, job)
	return results, nil
}

// purge drops a finished job's claims and item records (two subject purges,
// not one delete per item). The done markers stay until the bucket's TTL so
// a resubmission (the run re-executed) still gets its results.
func (e *Executor) purge(ctx context.Context, job string) {
	s, err := e.js.Stream(ctx, namespace.KVStream(Bucket))
	if err != nil {
		return
	}
	for _, kind := range []string{"item", "claim"} {
		if err := s.Purge(ctx, jetstream.WithPurgeSubject(namespace.KVSubject(Bucket, kind+"."+job+".>"))); err != nil {
			e.log.Debug("purge batch records", "job", job, "err", err)
		}
	}
}
