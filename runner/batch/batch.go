// Package batch is the distributed batch executor: a plugin's batch of
// drive operations (hostfuncs.Batcher) is split into chunks on a JetStream
// work queue that the batch workers of every node drain, and the run's
// progress is aggregated from per-chunk done markers.
//
// # At-most-once per item, exactly-once per completed job
//
// A chunk message may be delivered again: its node died, or stalled past
// AckWait. The executor makes that harmless with three records in the
// JetStream KV bucket wasmdrive_batch and one lease:
//
//   - lease "chunk.<job>.<n>" (the queue's leases bucket, TTL, heartbeated):
//     only one node works on a chunk at a time; a node that cannot refresh it
//     stops before the TTL lets another node in.
//   - claim "claim.<job>.<n>", created (CAS on revision 0) before the first
//     item is touched: if it already exists, an earlier attempt may have
//     applied some items.
//   - item "item.<job>.<n>.<i>", written right after item i is applied,
//     holding its result: a redelivered chunk skips these items and reuses
//     the result.
//   - done "done.<job>.<n>", holding the chunk's results once every item has
//     one: the job's waiter aggregates these.
//
// The one window left is between applying an item and writing its item
// record. For items in that window (claim present, no item record) the
// applier is told maybeApplied and checks the drive before acting: a copy
// uses check_name_mode refuse and an existing target counts as done, a move
// checks the file's parent, trash and delete treat "already trashed / gone"
// as success. So every item takes effect once even when a node is killed
// mid-chunk.
//
// # Only the host's chunks are applied
//
// Before queuing a job the submitting host writes its record
// "job.<job>" (run, plugin, account and the SHA-256 of each chunk's items,
// which hostfuncs checked against the plugin's grant). A worker applies a
// chunk only if it matches that record: a chunk for an unknown job, for
// another account or run, or with other items is dropped and audited
// (AuditOp). Plugins cannot publish on wasmdrive.batch.> or $KV.> at all
// (natsx/namespace).
//
// The job id is derived from the run id, the ordinal of the Batch call in
// the run and a hash of the items, so a run re-executed after its node died
// resubmits the same job and picks up the finished chunks instead of
// applying them again.
package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
)

// Names of the stream, consumer, bucket and subjects.
const (
	Stream   = namespace.BatchStream
	Consumer = namespace.BatchConsumer
	Bucket   = namespace.BatchBucket
	Subject  = namespace.Batch // .<job>
)

// Chunk is one message of the batch work queue.
type Chunk struct {
	Job     string               `json:"job"`
	N       int                  `json:"n"`
	Account string               `json:"account,omitempty"`
	RunID   string               `json:"run_id,omitempty"`
	Items   []drive.BatchRequest `json:"items"`
}

// DecodeChunk parses and checks a chunk message.
func DecodeChunk(b []byte) (*Chunk, error) {
	var c Chunk
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("batch: bad chunk: %w", err)
	}
	if c.Job == "" || c.N < 0 || len(c.Items) == 0 || len(c.Items) > drive.MaxBatchChunk*10 {
		return nil, fmt.Errorf("batch: bad chunk: job, n ≥ 0 and 1..%d items are required", drive.MaxBatchChunk*10)
	}
	for _, r := range []byte(c.Job) {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return nil, fmt.Errorf("batch: bad chunk: job id %q", c.Job)
		}
	}
	return &c, nil
}

// Applier applies one batch item. maybeApplied says an earlier attempt may
// already have applied it: the applier must then check before acting.
type Applier interface {
	Apply(ctx context.Context, account string, item drive.BatchRequest, maybeApplied bool) drive.BatchResult
}

// ChunkApplier is an optional extension of Applier: it applies all items
// of a chunk no earlier attempt touched in one call (e.g. one Drive.Batch
// chunk, one HTTP request on the local drive's batch endpoint). If the node
// dies during the call, the next attempt finds the chunk's claim and no
// item records, and applies the items one by one with maybeApplied set.
type ChunkApplier interface {
	ApplyChunk(ctx context.Context, account string, items []drive.BatchRequest) ([]drive.BatchResult, error)
}

func jobID(runID string, ordinal int, reqs []drive.BatchRequest) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for i := range reqs {
		_ = enc.Encode(&reqs[i])
	}
	sum := hex.EncodeToString(h.Sum(nil)[:6])
	return runID + "-" + strconv.Itoa(ordinal) + "-" + sum
}

func claimKey(job string, n int) string { return "claim." + job + "." + strconv.Itoa(n) }
func doneKey(job string, n int) string  { return "done." + job + "." + strconv.Itoa(n) }
func itemKey(job string, n, i int) string {
	return "item." + job + "." + strconv.Itoa(n) + "." + strconv.Itoa(i)
}
func jobKey(job string) string { return "job." + job }

// jobInfo is the job record, written by the submitting host (Submit)
// before any chunk is queued. A chunk is applied only if it matches it
// (checkChunk): its job has a record, and its account, run and items are
// the ones recorded, so a chunk published by anyone else (a plugin or a
// NATS client) cannot name another account or an item the host did not
// check against the plugin's grant.
type jobInfo struct {
	Total   int    `json:"total"`
	Chunks  int    `json:"chunks"`
	RunID   string `json:"run_id,omitempty"`
	Plugin  string `json:"plugin,omitempty"`
	Account string `json:"account,omitempty"`
	// Hop is the submitting run's place in its chain of triggers
	// (runner.Cause): the drive events the chunks cause carry it on.
	Hop int `json:"hop,omitempty"`
	// Size is the submitter's chunk size: item i of chunk n is item
	// n*Size+i of the job, whatever ChunkSize the worker has.
	Size int `json:"size,omitempty"`
	// Sums are the hex SHA-256 of each chunk's items (itemsSum), in order.
	Sums []string `json:"sums"`
}

// itemsSum hashes a chunk's items (their JSON encoding, which a chunk
// message round-trips unchanged).
func itemsSum(items []drive.BatchRequest) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for i := range items {
		_ = enc.Encode(&items[i])
	}
	return hex.EncodeToString(h.Sum(nil))
}
