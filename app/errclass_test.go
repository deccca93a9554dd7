package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// TestHopelessRunFailsAtOnce is issue 14 #4: a run that cannot succeed
// ends after its first attempt, with the reason, instead of being retried
// until its attempts run out. The relay plugin's grant (narrowed by the
// operator) refuses its emit: the host answers permission_denied, the
// plugin returns that error, and the class survives the plugin boundary.
// A request for an entry the plugin does not export, put on the queue
// behind the service's check, fails the same way.
func TestHopelessRunFailsAtOnce(t *testing.T) {
	n := startNode(t, testConfig(t, t.TempDir(), map[string]any{
		"plugins.enabled.relay.grants": map[string]any{"functions": []any{"emit"}, "emit": []any{"app.elsewhere.>"}},
	}), time.Second)
	ctx := context.Background()
	in, _ := json.Marshal(map[string]any{"subject": "app.test.x", "data": map[string]int{"n": 1}})
	denied, err := n.Service.Trigger(ctx, "relay", "run", in, "")
	if err != nil {
		t.Fatal(err)
	}
	bad, _, err := n.Queue.Enqueue(ctx, &queue.Request{Plugin: "relay", Entry: "nosuch"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		id   string
		text string
	}{
		{"permission_denied", denied.ID, "permission_denied"},
		{"unknown entry", bad.ID, `no entry point "nosuch"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := waitRun(t, n.Service, runner.RunFilter{Plugin: "relay"}, func(r *runner.RunRecord) bool {
				return r.ID == tc.id && (r.Status == runner.StatusFailed || r.Status == runner.StatusDead || r.Status == runner.StatusSucceeded)
			})
			if rec.Status != runner.StatusFailed || rec.Attempt != 1 || !strings.Contains(rec.Error, tc.text) {
				t.Fatalf("run = status %s, attempt %d, error %q; want failed after 1 attempt with %q", rec.Status, rec.Attempt, rec.Error, tc.text)
			}
		})
	}
}

// TestOversizedInputRefusedAtTrigger: an input over the plugin's
// limits.max_input_bytes is refused when the run is asked for, not queued
// to fail on a worker.
func TestOversizedInputRefusedAtTrigger(t *testing.T) {
	n := startNode(t, testConfig(t, t.TempDir(), nil), time.Second)
	ctx := context.Background()
	in := json.RawMessage(`"` + strings.Repeat("x", runner.DefaultMaxInputBytes) + `"`)
	_, err := n.Service.Trigger(ctx, "relay", "slow", in, "")
	if !errors.Is(err, runner.ErrLimit) || !strings.Contains(err.Error(), "limits.max_input_bytes") {
		t.Fatalf("err = %v, want ErrLimit naming limits.max_input_bytes", err)
	}
	runs, err := n.Service.ListRuns(ctx, runner.RunFilter{Plugin: "relay"})
	if err != nil || len(runs) != 0 {
		t.Fatalf("runs after a refused trigger: %v, %v", runs, err)
	}
}
