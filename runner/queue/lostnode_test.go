package queue

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/internal/testbin"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

const (
	lostURLEnv  = "WASMDRIVE_QUEUE_CHILD_URL"
	lostNodeEnv = "WASMDRIVE_QUEUE_CHILD_NODE"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(lostURLEnv); url != "" {
		os.Exit(lostChild(url, os.Getenv(lostNodeEnv)))
	}
	os.Exit(m.Run())
}

// lostOpts: an AckWait far beyond the test's deadline, so only the lease
// (LeaseTTL) and the reaper can bring a lost run back in time.
var lostOpts = Options{AckWait: 10 * time.Minute, LeaseTTL: time.Second}

// lostChild is one node process: a worker whose plugin "long" never ends
// on node n1 and ends at once elsewhere.
func lostChild(url, node string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	c, err := natsx.Open(ctx, natsx.Options{NATS: config.NATS{URL: url}, Name: node})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	o := lostOpts
	o.Node = node
	q, err := Setup(ctx, c, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w := NewWorker(q, funcCaller{"long": func(ctx context.Context, _ runner.CallRequest, _ runner.RunSink) (json.RawMessage, error) {
		if node == "n1" {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return json.RawMessage(`"done on ` + node + `"`), nil
	}}, WorkerOptions{Slots: 2, LeaseWait: 100 * time.Millisecond, Grace: time.Second})
	fmt.Println("ready")
	_ = w.Run(ctx)
	return 0
}

func startLostNATS(t *testing.T) string {
	return testbin.StartNATS(t).URL
}

func startLostChild(t *testing.T, url, node string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lostURLEnv+"="+url, lostNodeEnv+"="+node)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("node %s did not start: %q %v", node, line, err)
	}
	return cmd
}

// TestKilledNodeRunRetriedElsewhere kills (SIGKILL) the node process
// executing a run and checks that, well before the request's AckWait
// (10 minutes here), the run is retried on another node and finishes there,
// and that it is never listed "running" without a live node for long:
//   - with a second node up, that node's reaper finds the lost run (the
//     test reads the raw record, which reaps nothing);
//   - with no node left, the run service's listing shows it queued again,
//     and the next node to start retries it.
func TestKilledNodeRunRetriedElsewhere(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process crash test")
	}
	for _, tc := range []struct {
		name     string
		liveNode bool // n2 runs when n1 is killed
	}{{"second node reaps", true}, {"listing with no node left", false}} {
		t.Run(tc.name, func(t *testing.T) { killedNodeRun(t, tc.liveNode) })
	}
}

func killedNodeRun(t *testing.T, liveNode bool) {
	url := startLostNATS(t)
	ctx := context.Background()
	c, err := natsx.Open(ctx, natsx.Options{NATS: config.NATS{URL: url}, Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q, err := Setup(ctx, c, lostOpts)
	if err != nil {
		t.Fatal(err)
	}
	svc := &Service{Q: q}
	n1 := startLostChild(t, url, "n1")
	run, err := svc.Trigger(ctx, "long", "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	// The queued record is there as soon as Trigger returns.
	if r, err := q.GetRun(ctx, run.ID); err != nil || r.Status != runner.StatusQueued && r.Status != runner.StatusRunning {
		t.Fatalf("record right after Trigger: %+v, %v", r, err)
	}
	// raw reads the stored record, without the service's reaping.
	raw := func() *runner.RunRecord {
		r, err := q.GetRun(ctx, run.ID)
		if err != nil {
			return &runner.RunRecord{}
		}
		return r
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("not within 60s: %s (run %+v)", what, raw())
			}
		}
	}
	waitUntil("run running on n1", func() bool { r := raw(); return r.Status == runner.StatusRunning && r.Node == "n1" })
	if liveNode {
		startLostChild(t, url, "n2")
	}
	_ = n1.Process.Signal(syscall.SIGKILL)
	_ = n1.Wait()
	if !liveNode {
		waitUntil("no run listed running without a live node", func() bool {
			rs, err := svc.ListRuns(ctx, runner.RunFilter{Status: runner.StatusRunning})
			return err == nil && len(rs) == 0
		})
		if r := raw(); r.Status != runner.StatusQueued || !strings.Contains(r.Error, "node n1 lost") {
			t.Fatalf("run of the dead node = %+v, want queued again, saying node n1 was lost", r)
		}
		startLostChild(t, url, "n2")
	}
	waitUntil("run retried on n2 and finished", func() bool { return raw().Status == runner.StatusSucceeded })
	r := raw()
	if r.Node != "n2" || r.Attempt != 2 || string(r.Result) != `"done on n2"` {
		t.Fatalf("run = %+v, want it succeeded on n2 at attempt 2", r)
	}
	if rs, err := svc.ListRuns(ctx, runner.RunFilter{Status: runner.StatusRunning}); err != nil || len(rs) != 0 {
		t.Fatalf("runs still listed running: %+v, %v", rs, err)
	}
}
