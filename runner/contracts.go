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
	"time"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
)

// The contracts below are defined in the leaf package runner/contract
// (re-exported by hostfuncs, which runner imports) and re-exported here
// under their runner names. A package that only consumes runs (web) should
// import runner/contract, which does not link the plugin host.

// Level is a log level.
type Level = hostfuncs.Level

// Log levels.
const (
	LevelDebug = hostfuncs.LevelDebug
	LevelInfo  = hostfuncs.LevelInfo
	LevelWarn  = hostfuncs.LevelWarn
	LevelError = hostfuncs.LevelError
)

// LogLine is one line of a run's log.
type LogLine = hostfuncs.LogLine

// Progress is a run's progress report.
type Progress = hostfuncs.Progress

// RunSink receives what a running plugin reports (safe for concurrent use,
// must not block for long).
type RunSink = hostfuncs.RunSink

// Emitter publishes an event on behalf of a plugin (the emit host function).
type Emitter = hostfuncs.Emitter

// KVEntry is a value with its revision.
type KVEntry = hostfuncs.KVEntry

// ErrKVNotFound is returned by KV.Get for a missing key.
var ErrKVNotFound = hostfuncs.ErrKVNotFound

// ErrKVConflict is returned when a compare-and-set revision does not match.
var ErrKVConflict = hostfuncs.ErrKVConflict

// KV is per-plugin durable state (see hostfuncs.KV).
type KV = hostfuncs.KV

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
