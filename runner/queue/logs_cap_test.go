package queue

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

// TestLogStreamCapsLinesPerRun: the log stream keeps at most
// LogMaxLinesPerRun lines of one run (its newest, over all attempts), a
// backstop behind the plugin host's per-call caps, and the lines of
// other runs stay.
func TestLogStreamCapsLinesPerRun(t *testing.T) {
	c, err := natsx.Open(context.Background(), natsx.Options{DataDir: t.TempDir(), Name: "queue-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	q, err := Setup(context.Background(), c, Options{Node: "n1", AckWait: time.Second, LeaseTTL: time.Second, LogMaxLinesPerRun: 10})
	if err != nil {
		t.Fatal(err)
	}
	svc := &Service{Q: q}
	loud, quiet := &runSink{q: q, run: "loudrun"}, &runSink{q: q, run: "quietrun"}
	quiet.Log(runner.LogLine{Source: "plugin", Msg: "quiet 0"})
	quiet.flush()
	for i := range 50 {
		loud.Log(runner.LogLine{Source: "plugin", Msg: fmt.Sprintf("loud %d", i)})
	}
	loud.flush()
	quiet.Log(runner.LogLine{Source: "plugin", Msg: "quiet 1"})
	quiet.flush()

	lines, err := svc.Logs(context.Background(), "loudrun", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 10 || lines[0].Msg != "loud 40" || lines[9].Msg != "loud 49" {
		t.Errorf("loud run kept %d lines (%v…), want its last 10", len(lines), lines)
	}
	lines, err = svc.Logs(context.Background(), "quietrun", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Msg != "quiet 0" || lines[1].Msg != "quiet 1" {
		t.Errorf("quiet run's lines = %+v, want both", lines)
	}
}
