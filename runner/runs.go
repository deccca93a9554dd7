package runner

import (
	"context"
	"encoding/json"
	"time"
)

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
