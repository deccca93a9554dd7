package batch

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/testbin"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

const (
	crashItems   = 10000
	childURLEnv  = "WASMDRIVE_BATCH_CHILD_URL"
	childNodeEnv = "WASMDRIVE_BATCH_CHILD_NODE"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childURLEnv); url != "" {
		os.Exit(crashChild(url, os.Getenv(childNodeEnv)))
	}
	os.Exit(m.Run())
}

var crashQueueOpts = queue.Options{AckWait: time.Second, LeaseTTL: time.Second}

// crashCaller stands for the plugin host in the crash test's nodes:
// "bulk" submits a 10,000-item batch, "long" works for 3 seconds.
type crashCaller struct{ e *Executor }

func (c crashCaller) Call(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (*runner.CallResult, error) {
	switch req.Plugin {
	case "bulk":
		ctx = hostfuncs.WithEnv(ctx, &hostfuncs.Env{RunID: req.RunID, Sink: sink})
		res, err := c.e.Batch(ctx, items(crashItems), drive.BatchOptions{})
		if err != nil {
			return nil, err
		}
		ok, bad := 0, map[string]int{}
		for _, r := range res {
			if r.Status == http.StatusCreated || r.Status == http.StatusOK {
				ok++
				continue
			}
			msg := strconv.Itoa(r.Status)
			if r.Error != nil {
				msg += " " + r.Error.Message
			}
			bad[msg]++
		}
		if len(bad) > 0 {
			fmt.Fprintf(os.Stderr, "bulk: item failures: %v\n", bad)
		}
		out, _ := json.Marshal(ok)
		return &runner.CallResult{Plugin: req.Plugin, Output: out}, nil
	case "long":
		for i := range 30 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			sink.Progress(runner.Progress{Done: int64(i + 1), Total: 30})
		}
		return &runner.CallResult{Plugin: req.Plugin, Output: json.RawMessage(`"done"`)}, nil
	}
	return nil, queue.Permanent(fmt.Errorf("unknown plugin %q", req.Plugin))
}

// crashChild is one node: a run worker and a batch worker on NATS at url.
func crashChild(url, node string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	c, err := natsx.Open(ctx, natsx.Options{NATS: config.NATS{URL: url}, Name: node})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	o := crashQueueOpts
	o.Node = node
	q, err := queue.Setup(ctx, c, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	target, err := c.EnsureKV(ctx, jetstream.KeyValueConfig{Bucket: targetBucket})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	e, err := New(ctx, q, chunkKV{kvApplier{kv: target, node: node, slow: 300 * time.Microsecond}}, Options{ChunkSize: 100})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() { _ = e.Run(ctx) }()
	w := queue.NewWorker(q, crashCaller{e: e}, queue.WorkerOptions{Slots: 4, LeaseWait: 100 * time.Millisecond, Grace: time.Second})
	fmt.Println("ready")
	_ = w.Run(ctx)
	return 0
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startNATSServer runs an external nats-server process with JetStream.
func startNATSServer(t *testing.T) string {
	return testbin.StartNATS(t).URL
}

type child struct {
	node string
	cmd  *exec.Cmd
}

func startChild(t *testing.T, url, node string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childURLEnv+"="+url, childNodeEnv+"="+node)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("node %s did not start: %q %v", node, line, err)
	}
	return &child{node: node, cmd: cmd}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashMidBatchAndMidRun runs three node processes against an external
// nats-server, kills (SIGKILL) the node running a 10,000-item batch job in
// the middle of it, then the node running a long run, and checks that
// every item was applied exactly once, both runs completed and no message
// is left pending.
func TestCrashMidBatchAndMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process crash test")
	}
	url := startNATSServer(t)
	ctx := context.Background()
	c, err := natsx.Open(ctx, natsx.Options{NATS: config.NATS{URL: url}, Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q, err := queue.Setup(ctx, c, crashQueueOpts)
	if err != nil {
		t.Fatal(err)
	}
	target, err := c.EnsureKV(ctx, jetstream.KeyValueConfig{Bucket: targetBucket})
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]*child{}
	for i := 1; i <= 3; i++ {
		ch := startChild(t, url, "n"+strconv.Itoa(i))
		nodes[ch.node] = ch
	}
	svc := &queue.Service{Q: q}
	bulk, err := svc.Trigger(ctx, "bulk", "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	long, err := svc.Trigger(ctx, "long", "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	batchKV, err := c.JS.KeyValue(ctx, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	kill := func(node string) {
		ch := nodes[node]
		if ch == nil {
			t.Fatalf("no live node %q", node)
		}
		_ = ch.cmd.Process.Signal(syscall.SIGKILL)
		_ = ch.cmd.Wait()
		delete(nodes, node)
		t.Logf("killed %s", node)
	}
	get := func(id string) *runner.RunRecord {
		r, err := svc.GetRun(ctx, id)
		if err != nil {
			return &runner.RunRecord{}
		}
		return r
	}

	// 1. Kill the node waiting on the batch once 15 of 100 chunks are done.
	waitFor(t, "batch progress", func() bool {
		n, _ := countKeys(ctx, batchKV, "done.>")
		return n >= 15 && get(bulk.ID).Status == runner.StatusRunning
	})
	if n, _ := countKeys(ctx, batchKV, "done.>"); n >= 100 {
		t.Fatal("batch finished before the kill; make items slower")
	}
	kill(get(bulk.ID).Node)
	startChild(t, url, "n4")
	nodes["n4"] = &child{node: "n4"}
	// 2. Kill the node of the long run while it is running.
	var longNode string
	waitFor(t, "long run running on a live node", func() bool {
		r := get(long.ID)
		_, live := nodes[r.Node]
		if r.Status == runner.StatusRunning && live && r.Node != "n4" {
			longNode = r.Node
			return true
		}
		return runner.StatusSucceeded == r.Status || r.Node == "n4"
	})
	if longNode != "" {
		kill(longNode)
	}

	waitFor(t, "both runs to finish", func() bool {
		return get(bulk.ID).Status == runner.StatusSucceeded && get(long.ID).Status == runner.StatusSucceeded
	})
	if b := get(bulk.ID); string(b.Result) != strconv.Itoa(crashItems) || b.Attempt < 2 {
		t.Fatalf("bulk run = %+v, want %d items ok after a re-execution", b, crashItems)
	}
	if n, _ := countKeys(ctx, target, "t.*"); n != crashItems {
		t.Fatalf("applied %d distinct items, want %d", n, crashItems)
	}
	if n, _ := countKeys(ctx, target, "violation.*"); n != 0 {
		t.Fatalf("%d items were applied twice", n)
	}
	for _, cn := range []struct{ stream, consumer string }{{queue.RunsStream, queue.WorkConsumer}, {Stream, Consumer}} {
		waitFor(t, cn.consumer+" drained", func() bool {
			cons, err := c.JS.Consumer(ctx, cn.stream, cn.consumer)
			if err != nil {
				return false
			}
			info, err := cons.Info(ctx)
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0
		})
	}
}
