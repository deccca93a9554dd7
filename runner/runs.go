package runner

import "github.com/wasmdrive/wasmdrive/runner/contract"

// The run types live in the leaf package runner/contract (so the console
// can use them without linking the plugin host); these aliases keep the
// runner names.

// Run statuses.
const (
	StatusQueued    = contract.StatusQueued
	StatusRunning   = contract.StatusRunning
	StatusSucceeded = contract.StatusSucceeded
	StatusFailed    = contract.StatusFailed
	StatusDead      = contract.StatusDead
	StatusCancelled = contract.StatusCancelled
)

// RunRecord is the durable record of one run (contract.RunRecord).
type RunRecord = contract.RunRecord

// RunFilter selects runs for a listing.
type RunFilter = contract.RunFilter

// ScheduleInfo describes one schedule trigger of a plugin.
type ScheduleInfo = contract.ScheduleInfo

// PluginInfo is what the CLI and console show about a loaded plugin.
type PluginInfo = contract.PluginInfo

// RunService is the runs API shared by the CLI, the console and scripts
// (contract.RunService).
type RunService = contract.RunService
