// Package contract holds the plain data types and interfaces that the
// plugin host, the run queue, the console and the CLI share: run records
// and filters, plugin info, log lines and levels, progress, run statuses,
// the RunService API, the KV and emitter contracts, and the errors callers
// branch on. It is a leaf (standard library only), so a package that only
// shows runs (web) does not link the plugin host and wazero. runner and
// hostfuncs re-export these under their old names as aliases.
package contract

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

// Run statuses.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusDead      = "dead" // retries exhausted; in the dead-letter stream
	StatusCancelled = "cancelled"
)

// RunRecord is the durable record of one run, shared by every node (it
// lives in JetStream) and shown by the CLI and the console.
type RunRecord struct {
	ID         string          `json:"id"`
	Plugin     string          `json:"plugin"`
	Version    string          `json:"version,omitempty"`
	Hash       string          `json:"hash,omitempty"`
	Entry      string          `json:"entry,omitempty"`
	Trigger    string          `json:"trigger"`       // "manual", "subject:<subj>", "schedule:<id>@<slot>", "retry:<id>"
	Key        string          `json:"key,omitempty"` // idempotency key
	Account    string          `json:"account,omitempty"`
	Node       string          `json:"node,omitempty"`
	Status     string          `json:"status"`
	Attempt    int             `json:"attempt,omitempty"`
	Queued     time.Time       `json:"queued"`
	Started    time.Time       `json:"started,omitempty"`
	Ended      time.Time       `json:"ended,omitempty"`
	Input      json.RawMessage `json:"input,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      string          `json:"error,omitempty"`
	Progress   *Progress       `json:"progress,omitempty"`
	LastLogSeq uint64          `json:"last_log_seq,omitempty"`
}

// RunFilter selects runs for a listing.
type RunFilter struct {
	Plugin  string `json:"plugin,omitempty"`
	Status  string `json:"status,omitempty"`  // one status, or "failed" also matching "dead"
	Trigger string `json:"trigger,omitempty"` // prefix: "manual", "subject", "schedule"
	Limit   int    `json:"limit,omitempty"`   // default 100
}

// ScheduleInfo describes one schedule trigger of a plugin.
type ScheduleInfo struct {
	ID       string    `json:"id"`   // "<plugin>/<index>"
	Spec     string    `json:"spec"` // cron expression
	TimeZone string    `json:"tz,omitempty"`
	Next     time.Time `json:"next"`
}

// PluginInfo is what the CLI and console show about a loaded plugin.
type PluginInfo struct {
	Name         string          `json:"name"`
	Version      string          `json:"version"`
	Hash         string          `json:"hash"`
	Description  string          `json:"description,omitempty"`
	Dir          string          `json:"dir,omitempty"`
	Enabled      bool            `json:"enabled"`
	Account      string          `json:"account,omitempty"`
	Exports      []string        `json:"exports"`
	Grants       json.RawMessage `json:"grants,omitempty"`   // effective grant
	Triggers     json.RawMessage `json:"triggers,omitempty"` // as configured
	Schedules    []ScheduleInfo  `json:"schedules,omitempty"`
	ConfigSchema json.RawMessage `json:"config_schema,omitempty"`
	LastRun      *RunRecord      `json:"last_run,omitempty"`
	Error        string          `json:"error,omitempty"` // load/compile error
	// Interrupt says how a runaway call is stopped: "ticks" (loop-header
	// ticks through wd_call, cheap) or "wazero" (wazero's check at every
	// loop iteration, for modules that do not import wd_call).
	Interrupt string `json:"interrupt,omitempty"`
	// MaxInputBytes is the largest input a run may have
	// (limits.max_input_bytes); a bigger one is refused when it is queued.
	MaxInputBytes int64 `json:"max_input_bytes,omitempty"`
}

// RunService is the runs API shared by the CLI ("wasmdrive runs ..."), the
// console and scripts. The NATS layer implements it over JetStream so every
// node sees every run.
type RunService interface {
	// Trigger queues a run; key is the idempotency key ("" = a new run).
	Trigger(ctx context.Context, plugin, entry string, input json.RawMessage, key string) (*RunRecord, error)
	Retry(ctx context.Context, runID string) (*RunRecord, error)
	Cancel(ctx context.Context, runID string) error
	ListRuns(ctx context.Context, f RunFilter) ([]*RunRecord, error)
	GetRun(ctx context.Context, runID string) (*RunRecord, error)
	// Logs returns lines of a run with Seq > afterSeq (at most limit; 0 = all).
	Logs(ctx context.Context, runID string, afterSeq uint64, limit int) ([]LogLine, error)
	// WatchLogs delivers lines with Seq > afterSeq, then live ones, until ctx ends.
	WatchLogs(ctx context.Context, runID string, afterSeq uint64, fn func(LogLine)) error
	// WatchRuns delivers every run record change (all plugins) until ctx ends.
	WatchRuns(ctx context.Context, fn func(*RunRecord)) error
	Plugins(ctx context.Context) ([]PluginInfo, error)
	SetEnabled(ctx context.Context, plugin string, enabled bool) error
}

// Errors of the run service that callers branch on with errors.Is (the
// console maps them to HTTP statuses).
var (
	// ErrRunNotFound is returned for an unknown run id.
	ErrRunNotFound = errors.New("run not found")
	// ErrUnknownPlugin: no loaded plugin has the name.
	ErrUnknownPlugin = errors.New("unknown plugin")
	// ErrUnknownEntry: the plugin does not export the entry a run names.
	ErrUnknownEntry = errors.New("unknown entry")
)
