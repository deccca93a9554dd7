package hostfuncs

import "github.com/wasmdrive/wasmdrive/runner/contract"

// The plugin host's contracts with the rest of the system live in the leaf
// package runner/contract; these aliases keep the hostfuncs names.

// Level is a log level.
type Level = contract.Level

// Log levels.
const (
	LevelDebug = contract.LevelDebug
	LevelInfo  = contract.LevelInfo
	LevelWarn  = contract.LevelWarn
	LevelError = contract.LevelError
)

// LogLine is one line of a run's log.
type LogLine = contract.LogLine

// Progress is a run's progress report.
type Progress = contract.Progress

// RunSink receives what a running plugin reports (contract.RunSink).
type RunSink = contract.RunSink

// Emitter publishes an event on behalf of a plugin (contract.Emitter).
type Emitter = contract.Emitter

// KVEntry is a value with its revision.
type KVEntry = contract.KVEntry

// ErrKVNotFound is returned by KV.Get for a missing key.
var ErrKVNotFound = contract.ErrKVNotFound

// ErrKVConflict is returned when a compare-and-set revision does not match.
var ErrKVConflict = contract.ErrKVConflict

// KV is per-plugin durable state (contract.KV).
type KV = contract.KV
