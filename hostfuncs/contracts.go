package hostfuncs

import (
	"context"
	"errors"
	"time"
)

// The types in this file are the plugin host's contracts with the rest of
// the system. They live here, in the package the runner imports, so that
// hostfuncs does not import runner (which would be a cycle); runner re-exports
// them as aliases (runner.KV = hostfuncs.KV, ...), and other packages use the
// runner names.

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
