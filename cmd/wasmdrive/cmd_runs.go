package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wasmdrive/wasmdrive/app"
	"github.com/wasmdrive/wasmdrive/internal/redact"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
	"github.com/wasmdrive/wasmdrive/runner"
)

func init() {
	register(&command{name: "runs list", usage: "[--plugin P] [--status S] [--trigger T] [--limit N]",
		summary: "list runs of every node, newest first", run: runRunsList})
	register(&command{name: "runs show", usage: "ID", summary: "show one run's record", run: runRunsShow})
	register(&command{name: "runs logs", usage: "ID [-f]", summary: "print a run's logs; -f follows until it ends; --json prints NDJSON (one compact object per line)", run: runRunsLogs})
	register(&command{name: "runs retry", usage: "ID", summary: "queue a finished (failed, dead) run again with the same input", run: runRunsRetry})
	register(&command{name: "runs cancel", usage: "ID", summary: "cancel a queued or running run", run: runRunsCancel})
}

func runsClient(ctx context.Context, env *cliEnv) (*app.Client, error) {
	cfg, err := loadConfig(env)
	if err != nil {
		return nil, err
	}
	return app.Connect(ctx, cfg)
}

func runRunsList(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("runs list", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var f runner.RunFilter
	fs.StringVar(&f.Plugin, "plugin", "", "only this plugin")
	fs.StringVar(&f.Status, "status", "", "only this status (queued, running, succeeded, failed, dead, cancelled)")
	fs.StringVar(&f.Trigger, "trigger", "", "only triggers starting with this (manual, subject, schedule, retry)")
	fs.IntVar(&f.Limit, "limit", 50, "at most this many")
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) != 0 {
		return errUsage
	}
	c, err := runsClient(ctx, env)
	if err != nil {
		return err
	}
	defer c.Close()
	runs, err := c.Service.ListRuns(ctx, f)
	if err != nil {
		return err
	}
	for i, r := range runs {
		runs[i] = redactRun(r)
	}
	if env.JSON {
		return writeJSON(env.Stdout, runs)
	}
	printRuns(env.Stdout, runs)
	return nil
}

func printRuns(w io.Writer, runs []*runner.RunRecord) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPLUGIN\tSTATUS\tTRIGGER\tNODE\tQUEUED\tTOOK\tERROR")
	for _, r := range runs {
		took := ""
		if !r.Ended.IsZero() && !r.Started.IsZero() {
			took = r.Ended.Sub(r.Started).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", esc(r.ID), esc(r.Plugin), esc(r.Status), short(r.Trigger, 40), esc(r.Node),
			r.Queued.Local().Format("01-02 15:04:05"), took, short(r.Error, 60))
	}
	_ = tw.Flush()
}

// short is s on one line of at most about n bytes, control characters
// escaped.
func short(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n-1], "") + "…"
	}
	return esc(s)
}

// esc escapes control characters for the terminal (termesc).
func esc(s string) string { return termesc.String(s) }

func oneID(args []string) (string, error) {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return "", errUsage
	}
	return args[0], nil
}

// withRun parses the one run id of args, connects to the running service,
// and calls fn.
func withRun(ctx context.Context, env *cliEnv, args []string, fn func(c *app.Client, id string) error) error {
	id, err := oneID(args)
	if err != nil {
		return err
	}
	c, err := runsClient(ctx, env)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c, id)
}

func runRunsShow(ctx context.Context, env *cliEnv, args []string) error {
	return withRun(ctx, env, args, func(c *app.Client, id string) error {
		r, err := c.Service.GetRun(ctx, id)
		if err != nil {
			return err
		}
		r = redactRun(r)
		if env.JSON {
			return writeJSON(env.Stdout, r)
		}
		w := env.Stdout
		fmt.Fprintf(w, "run      %s\nplugin   %s %s\nentry    %s\nstatus   %s (attempt %d)\ntrigger  %s\n", esc(r.ID), esc(r.Plugin), esc(r.Version), esc(r.Entry), esc(r.Status), r.Attempt, esc(r.Trigger))
		fmt.Fprintf(w, "node     %s\naccount  %s\nqueued   %s\n", esc(r.Node), esc(r.Account), r.Queued.Local().Format(time.RFC3339))
		if !r.Started.IsZero() {
			fmt.Fprintf(w, "started  %s\n", r.Started.Local().Format(time.RFC3339))
		}
		if !r.Ended.IsZero() {
			fmt.Fprintf(w, "ended    %s (%s)\n", r.Ended.Local().Format(time.RFC3339), r.Ended.Sub(r.Started).Round(time.Millisecond))
		}
		if r.Progress != nil {
			fmt.Fprintf(w, "progress %d/%d %s %s\n", r.Progress.Done, r.Progress.Total, esc(r.Progress.Unit), esc(r.Progress.Note))
		}
		if len(r.Input) > 0 {
			fmt.Fprintf(w, "input    %s\n", short(string(r.Input), 200))
		}
		if len(r.Result) > 0 {
			fmt.Fprintf(w, "result   %s\n", short(string(r.Result), 400))
		}
		if r.Error != "" {
			fmt.Fprintf(w, "error    %s\n", termesc.Text(r.Error))
		}
		switch r.Status {
		case runner.StatusFailed, runner.StatusDead:
			fmt.Fprintf(w, "\nlogs: wasmdrive runs logs %s   replay: wasmdrive runs retry %s\n", esc(r.ID), esc(r.ID))
		}
		return nil
	})
}

func runRunsLogs(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("runs logs", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	follow := fs.Bool("f", false, "follow until the run ends")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(rest)
	if err != nil {
		return err
	}
	c, err := runsClient(ctx, env)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Service.GetRun(ctx, id); err != nil {
		return err
	}
	print := func(l runner.LogLine) {
		if env.JSON {
			_ = writeJSONLine(env.Stdout, l)
			return
		}
		fmt.Fprintln(env.Stdout, formatLogLine(l, "15:04:05.000"))
	}
	if !*follow {
		lines, err := c.Service.Logs(ctx, id, 0, 0)
		if err != nil {
			return err
		}
		for _, l := range lines {
			print(l)
		}
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// Stop following shortly after the run reaches a final state.
		for wctx.Err() == nil {
			if r, err := c.Service.GetRun(wctx, id); err == nil && isFinal(r.Status) {
				time.Sleep(300 * time.Millisecond)
				cancel()
				return
			}
			select {
			case <-wctx.Done():
			case <-time.After(300 * time.Millisecond):
			}
		}
	}()
	return c.Service.WatchLogs(wctx, id, 0, print)
}

func isFinal(s string) bool {
	switch s {
	case runner.StatusSucceeded, runner.StatusFailed, runner.StatusDead, runner.StatusCancelled:
		return true
	}
	return false
}

// formatLogLine is one log line for a terminal, with its time in
// timeFormat. What the plugin wrote (message, fields) has its control
// characters escaped, so a line cannot forge other lines, move the cursor
// or retitle the window.
func formatLogLine(l runner.LogLine, timeFormat string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-5s %-6s %s", l.Time.Local().Format(timeFormat), esc(strings.ToUpper(string(l.Level))), esc(l.Source), esc(l.Msg))
	keys := make([]string, 0, len(l.Fields))
	for k := range l.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", esc(k), esc(fieldText(l.Fields[k])))
	}
	return b.String()
}

// fieldText is a log field's value as text. Numbers come back from JSON as
// float64; a whole one prints as an integer (bytes=1048576, not
// 1.048576e+06) and any other without an exponent (issue 15).
func fieldText(v any) string {
	f, ok := v.(float64)
	if !ok {
		return fmt.Sprint(v)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func runRunsRetry(ctx context.Context, env *cliEnv, args []string) error {
	return withRun(ctx, env, args, func(c *app.Client, id string) error {
		r, err := c.Service.Retry(ctx, id)
		if err != nil {
			return err
		}
		if env.JSON {
			return writeJSON(env.Stdout, r)
		}
		fmt.Fprintln(env.Stdout, r.ID)
		fmt.Fprintf(env.Stderr, "queued run %s replaying %s; follow it: wasmdrive runs logs %s -f\n", r.ID, id, r.ID)
		return nil
	})
}

func runRunsCancel(ctx context.Context, env *cliEnv, args []string) error {
	return withRun(ctx, env, args, func(c *app.Client, id string) error {
		if err := c.Service.Cancel(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "cancel sent to run %s\n", id)
		return nil
	})
}

// redactRun returns a copy of r with secrets in its input and result
// masked (issue 15): the stored record keeps them for retries.
func redactRun(r *runner.RunRecord) *runner.RunRecord {
	if r == nil {
		return nil
	}
	c := *r
	c.Input, c.Result = redact.JSON(r.Input), redact.JSON(r.Result)
	return &c
}
