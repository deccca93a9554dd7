package trigger

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

const (
	childURLEnv  = "WASMDRIVE_TRIGGER_CHILD_URL"
	childNodeEnv = "WASMDRIVE_TRIGGER_CHILD_NODE"
	execBucket   = "trigger_test_exec"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childURLEnv); url != "" {
		os.Exit(schedulerChild(url, os.Getenv(childNodeEnv)))
	}
	os.Exit(m.Run())
}

// execCaller records each executed run id with a create: a second
// execution of one run would find the key and record a violation.
type execCaller struct{ kv jetstream.KeyValue }

func (c execCaller) Call(ctx context.Context, req runner.CallRequest, _ runner.RunSink) (*runner.CallResult, error) {
	if _, err := c.kv.Create(ctx, "exec."+req.RunID, []byte(req.Trigger)); errors.Is(err, jetstream.ErrKeyExists) {
		_, _ = c.kv.Put(ctx, "violation."+req.RunID, nil)
	}
	return &runner.CallResult{Plugin: req.Plugin}, nil
}

func multiSchedule() (*Schedule, error) {
	return NewSchedule("tick", 0, runner.Trigger{Schedule: "* * * * * *"}) // every second
}

// schedulerChild is one runner process: a scheduler (wall clock) and a
// worker on the NATS server at url.
func schedulerChild(url, node string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	fail := func(err error) int { fmt.Fprintln(os.Stderr, node+":", err); return 1 }
	c, err := natsx.Open(ctx, natsx.Options{NATS: config.NATS{URL: url}, Name: node})
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	q, err := queue.Setup(ctx, c, queue.Options{Node: node, AckWait: time.Second})
	if err != nil {
		return fail(err)
	}
	kv, err := c.EnsureKV(ctx, jetstream.KeyValueConfig{Bucket: execBucket})
	if err != nil {
		return fail(err)
	}
	sc, err := multiSchedule()
	if err != nil {
		return fail(err)
	}
	go func() { _ = queue.NewWorker(q, execCaller{kv}, queue.WorkerOptions{Grace: time.Second}).Run(ctx) }()
	fmt.Println("ready")
	_ = NewScheduler(q, []*Schedule{sc}, nil, nil).Run(ctx)
	return 0
}

// TestScheduleExactlyOnceAcrossProcesses runs three runner processes (this
// test binary re-executed) with a schedule firing every second on one NATS
// server, and checks that every slot was queued once and run once.
func TestScheduleExactlyOnceAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	ctx := context.Background()
	c, err := natsx.Open(ctx, natsx.Options{DataDir: t.TempDir(), NATS: config.NATS{Listen: "127.0.0.1:-1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q, err := queue.Setup(ctx, c, queue.Options{AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := c.EnsureKV(ctx, jetstream.KeyValueConfig{Bucket: execBucket})
	if err != nil {
		t.Fatal(err)
	}
	var children []*exec.Cmd
	for i := 1; i <= 3; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childURLEnv+"="+tokenURL(c), fmt.Sprintf("%s=n%d", childNodeEnv, i))
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
			t.Fatalf("child %d: %q %v", i, line, err)
		}
		children = append(children, cmd)
	}
	sc, err := multiSchedule()
	if err != nil {
		t.Fatal(err)
	}
	// Let at least four slots pass with all three running.
	deadline := time.Now().Add(30 * time.Second)
	for len(ledger(t, q, sc.ID)) < 4 {
		if time.Now().After(deadline) {
			t.Fatal("schedule did not fire")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, cmd := range children {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	slots := ledger(t, q, sc.ID)
	for i := 1; i < len(slots); i++ {
		if d := slots[i].Sub(slots[i-1]); d != time.Second {
			t.Fatalf("slots %v and %v are %v apart: a slot was duplicated or lost (ledger %v)", slots[i-1], slots[i], d, slots)
		}
	}
	// Every queued slot ran exactly once (finished, or still queued for the
	// next node when the children stopped mid-run).
	execs, _ := countKeys(ctx, kv, "exec.*")
	if v, _ := countKeys(ctx, kv, "violation.*"); v != 0 {
		t.Fatalf("%d runs executed twice", v)
	}
	info, err := q.Work.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pending := int(info.NumPending) + info.NumAckPending; execs+pending != len(slots) {
		t.Fatalf("%d slots, %d executions + %d pending", len(slots), execs, pending)
	}
}

func countKeys(ctx context.Context, kv jetstream.KeyValue, filter string) (int, error) {
	l, err := kv.ListKeysFiltered(ctx, filter)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for range l.Keys() {
		n++
	}
	return n, nil
}
