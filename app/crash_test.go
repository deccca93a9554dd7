package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

const (
	childURLEnv  = "WASMDRIVE_APP_CHILD_URL"
	childNodeEnv = "WASMDRIVE_APP_CHILD_NODE"
	childDirEnv  = "WASMDRIVE_APP_CHILD_DIR"
)

var crashQueue = queue.Options{AckWait: time.Second, LeaseTTL: time.Second}

func TestMain(m *testing.M) {
	if url := os.Getenv(childURLEnv); url != "" {
		os.Exit(serveChild(url, os.Getenv(childNodeEnv), os.Getenv(childDirEnv)))
	}
	if dir := os.Getenv(lockChildEnv); dir != "" {
		os.Exit(lockChild(dir))
	}
	os.Exit(m.Run())
}

// serveChild is a serve node (app.New + Run, real plugin host) joining the
// NATS server at url.
func serveChild(url, node, dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	plugins, _ := filepath.Abs("testdata/plugins")
	cfg, err := config.Load("", []string{}, map[string]any{
		"data_dir": dir, "plugins.dirs": []string{plugins}, "plugins.disable_builtins": true,
		"plugins.enabled.relay.account": "", "node_name": node, "nats.url": url,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	a, err := New(ctx, Options{Config: cfg, NoConsole: true, PluginBuilder: builder, PluginCacheDir: pluginCache, Queue: crashQueue, Grace: time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	_ = a.Run(ctx)
	return 0
}

// TestServeNodesShareWorkAndSurviveKill runs three serve nodes (this test
// binary re-executed) against an external nats-server, kills (SIGKILL) the
// node running a long plugin call, and checks another node runs it to the
// end.
func TestServeNodesShareWorkAndSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	url := startNATSServer(t)
	ctx := context.Background()
	var c *natsx.Conn
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err = natsx.Open(ctx, natsx.Options{NATS: config.NATS{URL: url}, ReadyTimeout: time.Second}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	defer c.Close()
	nodes := map[string]*exec.Cmd{}
	for i := 1; i <= 3; i++ {
		node := "s" + strconv.Itoa(i)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childURLEnv+"="+url, childNodeEnv+"="+node, childDirEnv+"="+t.TempDir())
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
			t.Fatalf("node %s: %q %v", node, line, err)
		}
		nodes[node] = cmd
	}
	q, err := queue.Attach(ctx, c, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := &queue.Service{Q: q, Catalog: RemoteCatalog{NC: c.NC}}
	// Several short runs spread over the nodes.
	var short []string
	for i := 0; i < 6; i++ {
		r, err := svc.Trigger(ctx, "relay", "slow", json.RawMessage(`{"ms":100}`), "")
		if err != nil {
			t.Fatal(err)
		}
		short = append(short, r.ID)
	}
	long, err := svc.Trigger(ctx, "relay", "slow", json.RawMessage(`{"ms":3000}`), "")
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) *runner.RunRecord {
		r, err := svc.GetRun(ctx, id)
		if err != nil {
			return &runner.RunRecord{}
		}
		return r
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	var victim string
	wait("the long run to start", func() bool {
		r := get(long.ID)
		victim = r.Node
		return r.Status == runner.StatusRunning && nodes[victim] != nil
	})
	time.Sleep(300 * time.Millisecond) // well inside the 3 s call
	_ = nodes[victim].Process.Signal(syscall.SIGKILL)
	_ = nodes[victim].Wait()
	t.Logf("killed %s during run %s", victim, long.ID)

	wait("the long run to finish on another node", func() bool { return get(long.ID).Status == runner.StatusSucceeded })
	if r := get(long.ID); r.Node == victim || r.Attempt != 2 {
		t.Fatalf("long run = %+v: want attempt 2 on a surviving node", r)
	}
	ran := map[string]bool{}
	for _, id := range short {
		wait("short run "+id, func() bool { return get(id).Status == runner.StatusSucceeded })
		ran[get(id).Node] = true
	}
	t.Logf("short runs ran on %v", ran)
}
