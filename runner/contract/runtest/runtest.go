// Package runtest is the contract every contract.RunService passes (the
// JetStream queue.Service and the console's in-memory webtest.MemRuns): one
// suite, like drive/drivetest and contract/kvtest, so a fake cannot answer
// differently from the real service. It covers what the console and the
// CLI branch on: listing with filters, get, the not-found sentinel, retry
// and cancel rules, idempotency keys and the plugins' last runs.
package runtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// Plugins are the plugins a service under test must have loaded, enabled.
// Trigger checks names and entries against them.
var Plugins = []contract.PluginInfo{
	{Name: "alpha", Version: "1.0.0", Enabled: true, Exports: []string{"run", "other"}},
	{Name: "beta", Version: "1.0.0", Enabled: true, Exports: []string{"run"}},
}

// Inputs a run of the suite carries; the implementation's executor passes
// them to Execute.
var (
	InputSucceed = json.RawMessage(`{"outcome":"succeed"}`)
	InputFail    = json.RawMessage(`{"outcome":"fail"}`)
	InputBlock   = json.RawMessage(`{"outcome":"block"}`)
)

// Result is the result of a run that succeeds.
var Result = json.RawMessage(`{"ok":true}`)

// ErrPlanned is the error of a run with InputFail. An executor must fail
// such a run at once (no retry attempts).
var ErrPlanned = errors.New("planned failure")

// Execute is what the executor behind a service under test does with a
// run's input: InputSucceed returns Result, InputFail returns ErrPlanned,
// InputBlock waits for ctx (the run's cancellation) and returns its error.
func Execute(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
	var in struct{ Outcome string }
	_ = json.Unmarshal(input, &in)
	switch in.Outcome {
	case "fail":
		return nil, ErrPlanned
	case "block":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return Result, nil
}

// Run runs the suite; newService returns a fresh service with Plugins
// loaded (SetEnabled turning them off and on), no runs, and an executor that runs every queued run with Execute.
func Run(t *testing.T, newService func(t *testing.T) contract.RunService) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s contract.RunService)
	}{
		{"UnknownRunIsNotFound", testUnknownRun},
		{"TriggerChecksPluginAndEntry", testTriggerChecks},
		{"TriggerRunsToSuccess", testTriggerSucceeds},
		{"IdempotencyKey", testIdempotency},
		{"ListFilters", testListFilters},
		{"RetryFinished", testRetryFinished},
		{"RetryAndCancelRunning", testRunning},
		{"CancelFinishedIsRefused", testCancelFinished},
		{"PluginsLastRun", testPluginsLastRun},
		{"DisabledPluginIsNotTriggered", testDisabled},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newService(t)) })
	}
}

var ctx = context.Background()

func trigger(t *testing.T, s contract.RunService, plugin string, input json.RawMessage) *contract.RunRecord {
	t.Helper()
	r, err := s.Trigger(ctx, plugin, "run", input, "")
	if err != nil {
		t.Fatalf("Trigger(%s, %s): %v", plugin, input, err)
	}
	if r == nil || r.ID == "" || r.Plugin != plugin {
		t.Fatalf("Trigger(%s) = %+v, want a record with an id", plugin, r)
	}
	return r
}

// wait polls GetRun until ok holds for the run's record.
func wait(t *testing.T, s contract.RunService, id string, what string, ok func(*contract.RunRecord) bool) *contract.RunRecord {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := s.GetRun(ctx, id)
		if err == nil && ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s never became %s: %+v, %v", id, what, r, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, s contract.RunService, id, status string) *contract.RunRecord {
	t.Helper()
	return wait(t, s, id, status, func(r *contract.RunRecord) bool { return r.Status == status })
}

func final(status string) bool {
	switch status {
	case contract.StatusSucceeded, contract.StatusFailed, contract.StatusDead, contract.StatusCancelled:
		return true
	}
	return false
}

func testUnknownRun(t *testing.T, s contract.RunService) {
	const id = "nosuchrun0000000000000"
	if _, err := s.GetRun(ctx, id); !errors.Is(err, contract.ErrRunNotFound) {
		t.Errorf("GetRun of an unknown id: %v, want ErrRunNotFound", err)
	}
	if _, err := s.Retry(ctx, id); !errors.Is(err, contract.ErrRunNotFound) {
		t.Errorf("Retry of an unknown id: %v, want ErrRunNotFound", err)
	}
	if err := s.Cancel(ctx, id); !errors.Is(err, contract.ErrRunNotFound) {
		t.Errorf("Cancel of an unknown id: %v, want ErrRunNotFound", err)
	}
	// Log lines may be stored before (and kept after) a run's record, so
	// the JetStream service answers no lines rather than not-found.
	if lines, err := s.Logs(ctx, id, 0, 0); len(lines) != 0 || (err != nil && !errors.Is(err, contract.ErrRunNotFound)) {
		t.Errorf("Logs of an unknown id = %v, %v; want no lines and, if an error, ErrRunNotFound", lines, err)
	}
}

func testTriggerChecks(t *testing.T, s contract.RunService) {
	if _, err := s.Trigger(ctx, "nope", "", InputSucceed, ""); !errors.Is(err, contract.ErrUnknownPlugin) {
		t.Errorf("Trigger of an unknown plugin: %v, want ErrUnknownPlugin", err)
	}
	if _, err := s.Trigger(ctx, "alpha", "missing", InputSucceed, ""); !errors.Is(err, contract.ErrUnknownEntry) {
		t.Errorf("Trigger of an entry alpha does not export: %v, want ErrUnknownEntry", err)
	}
	if runs, err := s.ListRuns(ctx, contract.RunFilter{}); err != nil || len(runs) != 0 {
		t.Errorf("refused triggers left runs: %v, %v", runs, err)
	}
}

func testTriggerSucceeds(t *testing.T, s contract.RunService) {
	r := trigger(t, s, "alpha", InputSucceed)
	if r.Trigger != "manual" || r.Entry != "run" || string(r.Input) != string(InputSucceed) {
		t.Errorf("queued record = %+v, want trigger manual, entry run and the input", r)
	}
	got := waitStatus(t, s, r.ID, contract.StatusSucceeded)
	if string(got.Result) != string(Result) || got.Error != "" || got.Attempt < 1 || got.Started.IsZero() || got.Ended.IsZero() {
		t.Errorf("succeeded record = %+v, want result %s, an attempt and start and end times", got, Result)
	}
}

func testIdempotency(t *testing.T, s contract.RunService) {
	a, err := s.Trigger(ctx, "alpha", "run", InputSucceed, "k1")
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, a.ID, contract.StatusSucceeded)
	b, err := s.Trigger(ctx, "alpha", "run", InputSucceed, "k1")
	if err != nil || b.ID != a.ID {
		t.Fatalf("second trigger with key k1 = %+v, %v; want the first run %s", b, err, a.ID)
	}
	c, err := s.Trigger(ctx, "alpha", "run", InputSucceed, "k2")
	if err != nil || c.ID == a.ID {
		t.Fatalf("trigger with key k2 = %+v, %v; want a new run", c, err)
	}
}

func ids(rs []*contract.RunRecord) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func testListFilters(t *testing.T, s contract.RunService) {
	ok1 := trigger(t, s, "alpha", InputSucceed)
	waitStatus(t, s, ok1.ID, contract.StatusSucceeded)
	bad := trigger(t, s, "alpha", InputFail)
	waitStatus(t, s, bad.ID, contract.StatusFailed)
	ok2 := trigger(t, s, "beta", InputSucceed)
	waitStatus(t, s, ok2.ID, contract.StatusSucceeded)
	for _, tc := range []struct {
		f    contract.RunFilter
		want []string // newest first
	}{
		{contract.RunFilter{}, []string{ok2.ID, bad.ID, ok1.ID}},
		{contract.RunFilter{Plugin: "alpha"}, []string{bad.ID, ok1.ID}},
		{contract.RunFilter{Status: contract.StatusFailed}, []string{bad.ID}},
		{contract.RunFilter{Status: contract.StatusSucceeded, Plugin: "beta"}, []string{ok2.ID}},
		{contract.RunFilter{Trigger: "manual"}, []string{ok2.ID, bad.ID, ok1.ID}},
		{contract.RunFilter{Trigger: "retry"}, []string{}},
		{contract.RunFilter{Limit: 1}, []string{ok2.ID}},
		{contract.RunFilter{Plugin: "nope"}, []string{}},
	} {
		rs, err := s.ListRuns(ctx, tc.f)
		if err != nil {
			t.Errorf("ListRuns(%+v): %v", tc.f, err)
			continue
		}
		if got := ids(rs); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("ListRuns(%+v) = %v, want %v", tc.f, got, tc.want)
		}
	}
}

// testRetryFinished: a finished run (failed or succeeded) can be retried;
// the retry is a new run with the old one's plugin, entry and input and
// trigger "retry:<id>", and the old record is left as it was.
func testRetryFinished(t *testing.T, s contract.RunService) {
	for _, in := range []json.RawMessage{InputFail, InputSucceed} {
		old := trigger(t, s, "alpha", in)
		old = wait(t, s, old.ID, "finished", func(r *contract.RunRecord) bool { return final(r.Status) })
		r, err := s.Retry(ctx, old.ID)
		if err != nil {
			t.Fatalf("Retry of a %s run: %v", old.Status, err)
		}
		if r.ID == old.ID || r.Plugin != "alpha" || r.Entry != "run" || string(r.Input) != string(in) || r.Trigger != "retry:"+old.ID {
			t.Errorf("retry of %s = %+v, want a new run of alpha/run with input %s and trigger retry:%s", old.ID, r, in, old.ID)
		}
		again := wait(t, s, r.ID, "finished", func(r *contract.RunRecord) bool { return final(r.Status) })
		if again.Status != old.Status {
			t.Errorf("retry of a %s run ended %s", old.Status, again.Status)
		}
		if now, err := s.GetRun(ctx, old.ID); err != nil || now.Status != old.Status {
			t.Errorf("retried run is now %+v, %v; want it left %s", now, err, old.Status)
		}
		rs, err := s.ListRuns(ctx, contract.RunFilter{Trigger: "retry:" + old.ID})
		if err != nil || fmt.Sprint(ids(rs)) != fmt.Sprint([]string{r.ID}) {
			t.Errorf("ListRuns(trigger retry:%s) = %v, %v; want [%s]", old.ID, ids(rs), err, r.ID)
		}
	}
}

// testRunning: a running run cannot be retried; cancelling it ends it
// cancelled.
func testRunning(t *testing.T, s contract.RunService) {
	r := trigger(t, s, "alpha", InputBlock)
	waitStatus(t, s, r.ID, contract.StatusRunning)
	if _, err := s.Retry(ctx, r.ID); err == nil || errors.Is(err, contract.ErrRunNotFound) {
		t.Errorf("Retry of a running run: %v, want a refusal", err)
	}
	if err := s.Cancel(ctx, r.ID); err != nil {
		t.Fatalf("Cancel of a running run: %v", err)
	}
	got := wait(t, s, r.ID, "finished", func(r *contract.RunRecord) bool { return final(r.Status) })
	if got.Status != contract.StatusCancelled || got.Ended.IsZero() {
		t.Errorf("cancelled run = %+v, want status cancelled with an end time", got)
	}
	if rs, err := s.ListRuns(ctx, contract.RunFilter{Status: contract.StatusCancelled}); err != nil || fmt.Sprint(ids(rs)) != fmt.Sprint([]string{r.ID}) {
		t.Errorf("ListRuns(cancelled) = %v, %v; want [%s]", ids(rs), err, r.ID)
	}
}

// testCancelFinished: cancelling a finished run is an error (not "not
// found") and leaves it as it was.
func testCancelFinished(t *testing.T, s contract.RunService) {
	r := trigger(t, s, "alpha", InputSucceed)
	waitStatus(t, s, r.ID, contract.StatusSucceeded)
	if err := s.Cancel(ctx, r.ID); err == nil || errors.Is(err, contract.ErrRunNotFound) {
		t.Errorf("Cancel of a succeeded run: %v, want a refusal", err)
	}
	if got, err := s.GetRun(ctx, r.ID); err != nil || got.Status != contract.StatusSucceeded {
		t.Errorf("after the refused cancel the run is %+v, %v; want it succeeded", got, err)
	}
}

func testPluginsLastRun(t *testing.T, s contract.RunService) {
	a := trigger(t, s, "alpha", InputSucceed)
	waitStatus(t, s, a.ID, contract.StatusSucceeded)
	b := trigger(t, s, "alpha", InputFail)
	waitStatus(t, s, b.ID, contract.StatusFailed)
	ps, err := s.Plugins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.Name] = true
		switch p.Name {
		case "alpha":
			if p.LastRun == nil || p.LastRun.ID != b.ID || p.LastRun.Status != contract.StatusFailed {
				t.Errorf("alpha's last run = %+v, want the failed run %s", p.LastRun, b.ID)
			}
		case "beta":
			if p.LastRun != nil {
				t.Errorf("beta never ran but has last run %+v", p.LastRun)
			}
		}
		if !p.Enabled {
			t.Errorf("plugin %s is not enabled", p.Name)
		}
	}
	if !seen["alpha"] || !seen["beta"] {
		t.Errorf("Plugins = %+v, want alpha and beta", ps)
	}
}

func enabled(t *testing.T, s contract.RunService, name string) bool {
	t.Helper()
	ps, err := s.Plugins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name == name {
			return p.Enabled
		}
	}
	t.Fatalf("Plugins = %+v, no %s", ps, name)
	return false
}

// testDisabled: a plugin turned off is listed so and refuses triggers
// (queueing nothing) until it is turned on again.
func testDisabled(t *testing.T, s contract.RunService) {
	if err := s.SetEnabled(ctx, "beta", false); err != nil {
		t.Fatalf("SetEnabled(beta, false): %v", err)
	}
	if enabled(t, s, "beta") || !enabled(t, s, "alpha") {
		t.Errorf("after SetEnabled(beta, false): beta enabled %v, alpha enabled %v", enabled(t, s, "beta"), enabled(t, s, "alpha"))
	}
	if r, err := s.Trigger(ctx, "beta", "run", InputSucceed, ""); err == nil {
		t.Errorf("Trigger of disabled beta queued %+v, want a refusal", r)
	}
	if rs, err := s.ListRuns(ctx, contract.RunFilter{}); err != nil || len(rs) != 0 {
		t.Errorf("refused trigger left runs: %v, %v", ids(rs), err)
	}
	if err := s.SetEnabled(ctx, "beta", true); err != nil {
		t.Fatalf("SetEnabled(beta, true): %v", err)
	}
	r := trigger(t, s, "beta", InputSucceed)
	waitStatus(t, s, r.ID, contract.StatusSucceeded)
}
