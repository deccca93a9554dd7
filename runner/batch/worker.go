package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

var errLeaseLost = errors.New("chunk lease lost")

// Run works on chunks until ctx ends; chunks in progress at that point are
// naked so another node finishes them.
func (e *Executor) Run(ctx context.Context) error {
	chunkCtx, stop := context.WithCancelCause(context.Background())
	defer stop(nil)
	var wg sync.WaitGroup
	queue.FetchLoop(ctx, e.cons, e.o.Slots, &wg, e.log, "batch chunks", func(m jetstream.Msg) { e.handle(chunkCtx, m) })
	stop(context.Canceled)
	wg.Wait()
	return nil
}

func (e *Executor) handle(base context.Context, m jetstream.Msg) {
	c, err := DecodeChunk(m.Data())
	if err != nil {
		e.refuse(m.Subject(), nil, nil, err)
		_ = m.TermWithReason("malformed chunk")
		return
	}
	ctx := context.Background()
	info, err := e.checkChunk(ctx, c)
	if errors.Is(err, errRefused) {
		e.refuse(m.Subject(), c, info, err)
		_ = m.TermWithReason("chunk does not match its job record")
		return
	} else if err != nil {
		_ = m.NakWithDelay(time.Second)
		return
	}
	if _, err := e.kv.Get(ctx, doneKey(c.Job, c.N)); err == nil {
		_ = m.Ack() // finished before; the ack was lost
		return
	}
	holder := e.q.Opts.Node
	l, ok, err := e.q.Acquire(ctx, "chunk."+c.Job+"."+strconv.Itoa(c.N), 1, holder)
	if err != nil || !ok {
		_ = m.NakWithDelay(500 * time.Millisecond) // another node holds it (or NATS hiccup)
		return
	}
	defer e.q.Release(ctx, l)
	cctx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	// The drive events of this chunk belong to the submitting run's chain
	// (trigger.Emitter reads the cause): a plugin triggered by its own
	// batched changes is bounded like one triggered by its own emits.
	cctx = runner.WithCause(cctx, runner.Cause{RunID: info.RunID, Hop: info.Hop})
	hb := make(chan struct{})
	defer close(hb)
	go func() {
		every := min(e.o.AckWait, e.q.Opts.LeaseTTL) / 3
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-hb:
				return
			case <-t.C:
				_ = m.InProgress()
				if err := e.q.Refresh(ctx, l, holder); err != nil {
					cancel(errLeaseLost)
					return
				}
			}
		}
	}()

	retry := false
	if _, err := e.kv.Create(ctx, claimKey(c.Job, c.N), []byte(holder)); err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			_ = m.NakWithDelay(time.Second)
			return
		}
		retry = true
	}
	have := map[int]drive.BatchResult{}
	if retry {
		if have, err = e.itemResults(ctx, c); err != nil {
			_ = m.NakWithDelay(time.Second)
			return
		}
	}
	results, err := e.apply(cctx, c, e.firstItem(info, c), have, retry)
	if err != nil || cctx.Err() != nil {
		_ = m.Nak() // interrupted: the next attempt resumes from the item records
		return
	}
	b, _ := json.Marshal(results)
	if _, err := e.kv.Put(ctx, doneKey(c.Job, c.N), b); err != nil {
		e.log.Warn("write chunk results; will retry", "job", c.Job, "chunk", c.N, "err", err)
		_ = m.NakWithDelay(time.Second)
		return
	}
	_ = m.Ack()
}

// itemResults reads the item records an earlier attempt wrote.
func (e *Executor) itemResults(ctx context.Context, c *Chunk) (map[int]drive.BatchResult, error) {
	w, err := e.kv.Watch(ctx, "item."+c.Job+"."+strconv.Itoa(c.N)+".*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer func() { _ = w.Stop() }()
	out := map[int]drive.BatchResult{}
	for ent := range w.Updates() {
		if ent == nil {
			break
		}
		i, err := strconv.Atoi(ent.Key()[strings.LastIndexByte(ent.Key(), '.')+1:])
		var r drive.BatchResult
		if err == nil && json.Unmarshal(ent.Value(), &r) == nil {
			out[i] = r
		}
	}
	return out, nil
}

// firstItem is the job ordinal of chunk c's first item, from the job
// record's chunk size (the submitter's), so an item's default id does not
// depend on which node works on the chunk. Records written before the size
// was recorded fall back to this node's ChunkSize.
func (e *Executor) firstItem(info *jobInfo, c *Chunk) int {
	size := e.o.ChunkSize
	if info != nil && info.Size > 0 {
		size = info.Size
	}
	return c.N * size
}

// apply applies the chunk's items not yet recorded, ItemConcurrency at a
// time, recording each result right after its item. An item without an id
// gets its ordinal in the job (first+i).
func (e *Executor) apply(ctx context.Context, c *Chunk, first int, have map[int]drive.BatchResult, retry bool) ([]drive.BatchResult, error) {
	for i := range c.Items {
		if c.Items[i].ID == "" {
			c.Items[i].ID = strconv.Itoa(first + i)
		}
	}
	if ca, ok := e.applier.(ChunkApplier); ok && !retry {
		return e.applyChunk(ctx, ca, c)
	}
	results := make([]drive.BatchResult, len(c.Items))
	futures := make([]jetstream.PubAckFuture, len(c.Items))
	sem := make(chan struct{}, e.o.ItemConcurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for i, item := range c.Items {
		if r, ok := have[i]; ok {
			results[i] = r
			continue
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := e.applier.Apply(ctx, c.Account, item, retry)
			if r.ID == "" {
				r.ID = item.ID
			}
			results[i] = r
			b, _ := json.Marshal(r)
			f, err := e.js.PublishAsync(namespace.KVSubject(Bucket, itemKey(c.Job, c.N, i)), b)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			futures[i] = f
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	for _, f := range futures {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return nil, err
		case <-time.After(10 * time.Second):
			return nil, errors.New("batch: item record not acknowledged")
		}
	}
	return results, nil
}

// applyChunk applies a fresh chunk in one call and then records every
// item's result.
func (e *Executor) applyChunk(ctx context.Context, ca ChunkApplier, c *Chunk) ([]drive.BatchResult, error) {
	results, err := ca.ApplyChunk(ctx, c.Account, c.Items)
	if err != nil {
		return nil, err
	}
	if len(results) != len(c.Items) {
		return nil, fmt.Errorf("batch: chunk applier returned %d results for %d items", len(results), len(c.Items))
	}
	futures := make([]jetstream.PubAckFuture, len(results))
	for i := range results {
		if results[i].ID == "" {
			results[i].ID = c.Items[i].ID
		}
		b, _ := json.Marshal(results[i])
		if futures[i], err = e.js.PublishAsync(namespace.KVSubject(Bucket, itemKey(c.Job, c.N, i)), b); err != nil {
			return nil, err
		}
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return nil, err
		case <-time.After(10 * time.Second):
			return nil, errors.New("batch: item record not acknowledged")
		}
	}
	return results, nil
}
