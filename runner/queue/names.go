// Package queue runs plugins from a durable JetStream run queue shared by
// every wasmdrive node, and implements runner.RunService over JetStream.
//
// Layout (all created idempotently by Setup):
//
//	stream WASMDRIVE_RUNS   wasmdrive.runs.req.>  Limits retention, dedup window;
//	                        run requests (Nats-Msg-Id = idempotency key) and the
//	                        schedule slot ledger (wasmdrive.runs.req.sched.<id>).
//	consumer workers        durable pull consumer all nodes share; explicit ack.
//	stream WASMDRIVE_DLQ    wasmdrive.dlq.<plugin>  runs whose retries ran out.
//	stream WASMDRIVE_LOGS   wasmdrive.logs.<runid>  run logs; LogLine.Seq is the
//	                        stream sequence; max age and bytes bound it.
//	kv wasmdrive_runs       run records (runner.RunRecord) by run id.
//	kv wasmdrive_leases     per-plugin concurrency leases and "running" markers;
//	                        entries expire (bucket TTL) unless heartbeated, so a
//	                        dead node's leases free themselves.
//	subject wasmdrive.runs.cancel.<runid>  core NATS cancel broadcast.
//
// Because the run stream uses Limits retention, acked requests stay (run
// history, and deduplication that survives a server restart, unlike a
// WorkQueue stream; see shared/notes/nats.md).
package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/nats-io/nuid"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
)

// Stream, consumer, bucket and subject names (owned by natsx/namespace).
const (
	RunsStream    = namespace.RunsStream
	WorkConsumer  = namespace.WorkConsumer
	DLQStream     = namespace.DLQStream
	LogsStream    = namespace.LogsStream
	RecordsBucket = namespace.RecordsBucket
	LeasesBucket  = namespace.LeasesBucket

	SubjectRequests = namespace.RunRequests // .run.<plugin> | .sched.<schedule token>
	SubjectDLQ      = namespace.DeadLetters // .<plugin>
	SubjectLogs     = namespace.Logs        // .<runid>
	SubjectCancel   = namespace.RunCancel   // .<runid>
)

// RunSubject is the request subject for a run of plugin.
func RunSubject(plugin string) string { return SubjectRequests + ".run." + Token(plugin) }

// ScheduleSubject is the slot-ledger subject of a schedule id.
func ScheduleSubject(scheduleID string) string {
	return SubjectRequests + ".sched." + Token(scheduleID)
}

// LogSubject is the log subject of a run.
func LogSubject(runID string) string { return SubjectLogs + "." + runID }

// Token makes s usable as one subject token: anything outside
// [A-Za-z0-9_-] becomes '_', and a short hash keeps distinct names distinct.
func Token(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			clean = false
			break
		}
	}
	if clean && s != "" {
		return s
	}
	b := []byte(s)
	for i := range b {
		if !tokenByte(b[i]) {
			b[i] = '_'
		}
	}
	sum := sha256.Sum256([]byte(s))
	return string(b) + "-" + hex.EncodeToString(sum[:4])
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// NewRunID returns a fresh run id.
func NewRunID() string { return strings.ToLower(nuid.Next()) }

// KeyRunID derives the run id of an idempotency key, so a duplicate request
// names the run the first one created.
func KeyRunID(plugin, key string) string {
	sum := sha256.Sum256([]byte(plugin + "\x00" + key))
	return "k" + hex.EncodeToString(sum[:11])
}

// MsgID is the Nats-Msg-Id of a request with an idempotency key.
func MsgID(plugin, key string) string { return plugin + ":" + key }
