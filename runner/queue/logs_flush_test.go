package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
)

// TestFinalRecordAfterEveryLogLine: a reader that sees a run as finished
// must find every line the plugin logged (they were published async).
func TestFinalRecordAfterEveryLogLine(t *testing.T) {
	const n = 20000 // more than the async publish window (4096)
	e := setup(t, funcCaller{"chatty": func(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (json.RawMessage, error) {
		for i := range n {
			sink.Log(runner.LogLine{Msg: fmt.Sprintf("line %d", i), Source: "plugin"})
		}
		return nil, nil
	}}, nil)
	ctx := context.Background()
	rec, err := e.svc.Trigger(ctx, "chatty", "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.waitFinal(t, rec.ID); got.Status != runner.StatusSucceeded {
		t.Fatalf("record = %+v", got)
	}
	lines, err := e.svc.Logs(ctx, rec.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool, len(lines))
	for _, l := range lines {
		seen[l.Msg] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("line %d", i)] {
			t.Fatalf("line %d missing: %d of %d lines stored when the run was final", i, len(seen), n)
		}
	}
}
