package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/progress"
	"github.com/wasmdrive/wasmdrive/runner"
)

func init() {
	register(&command{name: "run", usage: "PLUGIN|DIR [--entry E] [--input JSON|-] [--account A]",
		summary: "run one call of a plugin on this machine: logs to stderr, result to stdout", run: runRun})
}

func runRun(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cf := addCallFlags(fs)
	account := fs.String("account", "", "account (default: the plugin's, or the default account)")
	plugin, in, err := cf.parse(fs, args)
	if err != nil {
		return err
	}
	name, dir, err := pluginArg(plugin)
	if err != nil {
		return err
	}
	h, err := openHost(ctx, env, dir, name, true)
	if err != nil {
		return err
	}
	defer h.Close()
	sink := newStderrSink(env.Stderr, env.Verbose)
	runID := fmt.Sprintf("local-%d", time.Now().UnixNano())
	res, err := h.Call(ctx, runner.CallRequest{Plugin: name, Entry: *cf.entry, Input: in, RunID: runID, Account: *account, Trigger: "manual"}, sink)
	sink.endProgress()
	if err != nil {
		return withExit(err)
	}
	if env.JSON {
		if err := writeJSON(env.Stdout, res); err != nil {
			return err
		}
		return incomplete(name, res.Output)
	}
	if len(res.Output) == 0 {
		return nil
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, res.Output, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(res.Output)
	}
	fmt.Fprintln(env.Stdout, pretty.String())
	return incomplete(name, res.Output)
}

// incompleteStatuses are the summary statuses of a run that ended without
// doing all of its work: some files failed (partial), verify found the
// drive and the manifest apart (differences), cleanup stopped at its cap
// (refused).
var incompleteStatuses = []string{"partial", "differences", "refused"}

// incomplete turns a summary whose "status" is one of incompleteStatuses
// into exit code exitIncomplete, so cron and scripts see it; the summary
// itself has been printed.
func incomplete(plugin string, out json.RawMessage) error {
	var sum struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(out, &sum) != nil || !slices.Contains(incompleteStatuses, sum.Status) {
		return nil
	}
	return &exitError{code: exitIncomplete, err: fmt.Errorf("%s finished with status %q: not everything was done (see the summary's errors or differences)", plugin, sum.Status)}
}

// stderrSink prints a run's log lines and progress for a person.
type stderrSink struct {
	mu       sync.Mutex
	w        io.Writer
	verbose  bool // show debug lines
	progress progressLine
}

// newStderrSink returns a sink writing to w; progress is redrawn in place
// when w is a terminal and printed as lines every few seconds otherwise.
func newStderrSink(w io.Writer, verbose bool) *stderrSink {
	return &stderrSink{w: w, verbose: verbose,
		progress: progressLine{tty: progress.IsTerminal(w), every: progressEvery, now: time.Now}}
}

// Log prints a line (debug lines only with -v).
func (s *stderrSink) Log(l runner.LogLine) {
	if l.Level == runner.LevelDebug && !s.verbose {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	io.WriteString(s.w, s.progress.breakLine())
	fmt.Fprintln(s.w, formatLogLine(l, "15:04:05"))
}

// Progress shows one progress report (see progressLine).
func (s *stderrSink) Progress(p runner.Progress) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if out := s.progress.update(p); out != "" {
		io.WriteString(s.w, out)
	}
}

func (s *stderrSink) endProgress() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endProgressLocked()
}

func (s *stderrSink) endProgressLocked() {
	if out := s.progress.flush(); out != "" {
		io.WriteString(s.w, out)
	}
}
