// Package runner loads Wasm plugins and runs their entry points.
//
// This file holds the small interfaces that connect the plugin host to the
// rest of the system: where a run's logs and progress go, where plugin KV
// state lives, how events are emitted. The plugin host (runner.Host) depends
// only on these; the NATS layer (runner/natsq and friends) and the console
// implement or consume them.
package runner

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Level is a log level.
type Level string

// Log levels.
const (
	LevelDebug Level = "debug"
	LevelInfo  Level = "info"
	LevelWarn  Level = "warn"
	LevelError Level = "error"
)

// LogLine is one line of a run's log.
type LogLine struct {
	Seq    uint64         `json:"seq"` // assigned by the log store; 0 before
	RunID  string         `json:"run_id"`
	Time   time.Time      `json:"time"`
	Level  Level          `json:"level"`
	Source string         `json:"source"` // "plugin" (log host function), "pdk", "stdout", "stderr", "host"
	Msg    string         `json:"msg"`
	Fields map[string]any `json:"fields,omitempty"`
}

// Progress is a run's progress report.
type Progress struct {
	Done  int64  `json:"done"`
	Total int64  `json:"total"`
	Unit  string `json:"unit,omitempty"` // "files", "bytes", "items"
	Note  string `json:"note,omitempty"`
}

// RunSink receives what a running plugin reports. Implementations must be
// safe for concurrent use and must not block for long.
type RunSink interface {
	Log(line LogLine)
	Progress(p Progress)
}

// Emitter publishes an event on behalf of a plugin (the emit host function).
// The subject has already been checked against the plugin's grant.
type Emitter interface {
	Emit(ctx context.Context, subject string, data []byte, headers map[string]string) error
}

// KVEntry is a value with its revision.
type KVEntry struct {
	Key      string `json:"key"`
	Value    []byte `json:"value"`
	Revision uint64 `json:"revision"`
}

// ErrKVNotFound is returned by KV.Get for a missing key.
var ErrKVNotFound = errors.New("kv: key not found")

// ErrKVConflict is returned when a compare-and-set revision does not match.
var ErrKVConflict = errors.New("kv: revision mismatch")

// KV is per-plugin durable state. Keys are scoped by the caller (the host
// prefixes them with the plugin name and account).
type KV interface {
	Get(ctx context.Context, key string) (KVEntry, error)
	// Put stores value. If expectRev is non-nil it is a compare-and-set:
	// 0 means "must not exist", n means "current revision must be n".
	Put(ctx context.Context, key string, value []byte, expectRev *uint64) (uint64, error)
	Delete(ctx context.Context, key string) error
	// List returns keys with the given prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
}

// CallRequest is one call of a plugin entry point.
type CallRequest struct {
	Plugin  string          `json:"plugin"`
	Entry   string          `json:"entry"` // export name; "" = the manifest's default
	Input   json.RawMessage `json:"input"` // event or caller input
	RunID   string          `json:"run_id"`
	Account string          `json:"account,omitempty"` // "" = the plugin's bound account
	Trigger string          `json:"trigger,omitempty"` // "manual", "subject:<s>", "schedule:<slot>"
}

// CallResult is what an entry point returned.
type CallResult struct {
	Plugin  string          `json:"plugin"`
	Version string          `json:"version"`
	Hash    string          `json:"hash"`
	Output  json.RawMessage `json:"output,omitempty"`
	Elapsed time.Duration   `json:"elapsed"`
}

// Caller runs plugin calls; runner.Host implements it. The queue workers
// depend on this interface only.
type Caller interface {
	Call(ctx context.Context, req CallRequest, sink RunSink) (*CallResult, error)
}
