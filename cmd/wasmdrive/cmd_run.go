package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/termesc"
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
	sink := &stderrSink{w: env.Stderr, verbose: env.Verbose}
	runID := fmt.Sprintf("local-%d", time.Now().UnixNano())
	res, err := h.Call(ctx, runner.CallRequest{Plugin: name, Entry: *cf.entry, Input: in, RunID: runID, Account: *account, Trigger: "manual"}, sink)
	sink.endProgress()
	if err != nil {
		return withExit(err)
	}
	if env.JSON {
		return writeJSON(env.Stdout, res)
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
	return nil
}

// stderrSink prints a run's log lines and progress for a person.
type stderrSink struct {
	mu       sync.Mutex
	w        io.Writer
	verbose  bool // show debug lines
	progress bool // a progress line is open (no newline yet)
}

// Log prints a line (debug lines only with -v).
func (s *stderrSink) Log(l runner.LogLine) {
	if l.Level == runner.LevelDebug && !s.verbose {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endProgressLocked()
	fmt.Fprintln(s.w, formatLogLine(l, "15:04:05"))
}

// Progress rewrites one progress line.
func (s *stderrSink) Progress(p runner.Progress) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, "\rprogress %d/%d %s %s", p.Done, p.Total, termesc.String(p.Unit), termesc.String(p.Note))
	s.progress = true
}

func (s *stderrSink) endProgress() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endProgressLocked()
}

func (s *stderrSink) endProgressLocked() {
	if s.progress {
		fmt.Fprintln(s.w)
		s.progress = false
	}
}
