// Package bench measures wasmdrive end to end against the native Go path and
// peers (cp, rclone) in one run, and writes BENCHMARKS.md.
//
// Each area (drive, plugins, nats, backup, console) contributes a Suite in
// its own file; cmd/wasmdrive-bench runs them and renders the
// report.
package bench

import (
	"context"
	"time"
)

// Row is one measured figure.
type Row struct {
	Name  string  // what was measured, e.g. "upload 1 GiB via HTTP client"
	Value float64 // the figure
	Unit  string  // "MB/s", "files/s", "µs/op", "x" (ratio), "ms"
	Peer  string  // what it is compared with, e.g. "cp"
	Ratio float64 // Value relative to the peer (0: none)
	Goal  string  // the goal as text, e.g. "≥ 0.6", "" if none
	Met   *bool   // whether the goal was met (nil: no goal)
	Note  string
}

// Config tunes a bench run.
type Config struct {
	Dir   string // scratch folder (large: up to a few GiB)
	Quick bool   // smaller sizes, for a smoke run
}

// Suite is one area's benchmarks.
type Suite struct {
	Name string // section title in BENCHMARKS.md
	// Command reproduces just this section.
	Command string
	Run     func(ctx context.Context, cfg Config) ([]Row, error)
}

var suites []Suite

// Register adds a suite; call it from init in the suite's file.
func Register(s Suite) { suites = append(suites, s) }

// Suites returns the registered suites in registration order.
func Suites() []Suite { return suites }

// Timed runs f and returns its wall time.
func Timed(f func() error) (time.Duration, error) {
	t := time.Now()
	err := f()
	return time.Since(t), err
}
