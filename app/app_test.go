package app

import (
	"context"
	"encoding/json"
	"github.com/wasmdrive/wasmdrive/internal/testbin"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/build"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// builder shares compiled test plugins across the tests' data folders.
var builder = &build.Builder{CacheDir: filepath.Join(os.TempDir(), "wasmdrive-app-test-build")}

// pluginCache shares compiled modules (wazero's cache) across the tests.
var pluginCache = filepath.Join(os.TempDir(), "wasmdrive-app-test-cache")

func testConfig(t *testing.T, dir string, override map[string]any) *config.Config {
	t.Helper()
	abs, err := filepath.Abs("testdata/plugins")
	if err != nil {
		t.Fatal(err)
	}
	over := map[string]any{
		"data_dir": dir, "plugins.dirs": []string{abs}, "plugins.disable_builtins": true,
		"plugins.enabled.relay.account": "", "node_name": "t1", "nats.listen": "127.0.0.1:-1",
	}
	for k, v := range override {
		over[k] = v
	}
	cfg, err := config.Load("", []string{}, over)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type node struct {
	*App
	stop context.CancelFunc
	done chan error
}

func startNode(t *testing.T, cfg *config.Config, grace time.Duration) *node {
	t.Helper()
	a, err := New(context.Background(), Options{Config: cfg, NoConsole: true, PluginBuilder: builder, PluginCacheDir: pluginCache, Grace: grace,
		Queue: queue.Options{AckWait: 2 * time.Second, LeaseTTL: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{App: a, stop: cancel, done: make(chan error, 1)}
	go func() { n.done <- a.Run(ctx) }()
	t.Cleanup(n.shutdown)
	return n
}

func (n *node) shutdown() {
	n.stop()
	<-n.done
	n.done <- nil // idempotent
}

// waitRun waits for a run matching f to reach a final state.
func waitRun(t *testing.T, svc runner.RunService, f runner.RunFilter, match func(*runner.RunRecord) bool) *runner.RunRecord {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		runs, err := svc.ListRuns(context.Background(), f)
		if err == nil {
			for _, r := range runs {
				if match(r) {
					return r
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no run matching %+v finished", f)
	return nil
}

func finished(trigger string) func(*runner.RunRecord) bool {
	return func(r *runner.RunRecord) bool {
		return r.Trigger == trigger && (r.Status == runner.StatusSucceeded || r.Status == runner.StatusFailed || r.Status == runner.StatusDead)
	}
}

// TestEventRunsPluginThatChains publishes an event (with natscli when it
// is installed, a separate process) and checks that the real Wasm plugin
// ran through runner.Host, logged, and that its emit triggered the chained
// entry.
func TestEventRunsPluginThatChains(t *testing.T) {
	n := startNode(t, testConfig(t, t.TempDir(), nil), time.Second)
	if bin, err := testbin.Find("nats"); err == nil {
		if out, err := exec.Command(bin, "--server", tokenURL(n.Conn), "pub", "app.test.hello", `{"n":1}`).CombinedOutput(); err != nil {
			t.Fatalf("nats pub: %v\n%s", err, out)
		}
	} else {
		t.Logf("natscli not installed (%v); publishing in process", err)
		if err := n.Conn.NC.Publish("app.test.hello", []byte(`{"n":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	first := waitRun(t, n.Service, runner.RunFilter{Plugin: "relay"}, finished("subject:app.test.hello"))
	if first.Status != runner.StatusSucceeded || first.Version != "1.0.0" {
		t.Fatalf("run = %+v", first)
	}
	var ev map[string]any
	if err := json.Unmarshal(first.Result, &ev); err != nil || ev["subject"] != "app.test.hello" {
		t.Fatalf("result %s: %v", first.Result, err)
	}
	lines, err := n.Service.Logs(context.Background(), first.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var logged bool
	for _, l := range lines {
		logged = logged || strings.Contains(l.Msg, "got event")
	}
	if !logged {
		t.Fatalf("logs %+v lack the plugin's line", lines)
	}
	chained := waitRun(t, n.Service, runner.RunFilter{Plugin: "relay"}, finished("subject:app.chain.done"))
	if chained.Status != runner.StatusSucceeded || string(chained.Result) != `{"chained":true}` {
		t.Fatalf("chained run = %+v", chained)
	}
}

func TestManualTriggerAndUnknownPlugin(t *testing.T) {
	n := startNode(t, testConfig(t, t.TempDir(), nil), time.Second)
	ctx := context.Background()
	rec, err := n.Service.Trigger(ctx, "relay", "noop", nil, "once")
	if err != nil {
		t.Fatal(err)
	}
	again, err := n.Service.Trigger(ctx, "relay", "noop", nil, "once")
	if err != nil || again.ID != rec.ID {
		t.Fatalf("same key gave %v, %v; want run %s", again, err, rec.ID)
	}
	waitRun(t, n.Service, runner.RunFilter{Plugin: "relay"}, func(r *runner.RunRecord) bool {
		return r.ID == rec.ID && r.Status == runner.StatusSucceeded
	})
	if _, err := n.Service.Trigger(ctx, "nope", "", nil, ""); err == nil || !strings.Contains(err.Error(), `unknown plugin "nope"`) {
		t.Fatalf("unknown plugin: err = %v", err)
	}
}

// TestDrainRequeuesInterruptedRun stops a node in the middle of a slow run
// with a short grace period; the run goes back to the queue and a new node
// on the same data folder finishes it.
func TestDrainRequeuesInterruptedRun(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, nil)
	n := startNode(t, cfg, 100*time.Millisecond)
	rec, err := n.Service.Trigger(context.Background(), "relay", "slow", json.RawMessage(`{"ms":1500}`), "")
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, n.Service, runner.RunFilter{Plugin: "relay"}, func(r *runner.RunRecord) bool {
		return r.ID == rec.ID && r.Status == runner.StatusRunning
	})
	n.shutdown()

	n2 := startNode(t, testConfig(t, dir, nil), time.Second)
	got := waitRun(t, n2.Service, runner.RunFilter{Plugin: "relay"}, func(r *runner.RunRecord) bool {
		return r.ID == rec.ID && r.Status == runner.StatusSucceeded
	})
	if got.Attempt != 1 || string(got.Result) != `{"slept_ms":1500}` {
		t.Fatalf("run after restart = %+v (the interrupted attempt must not count)", got)
	}
}

func TestBadScheduleFailsStartNamingPluginAndField(t *testing.T) {
	cfg := testConfig(t, t.TempDir(), map[string]any{
		"plugins.enabled.relay.triggers": []map[string]any{{"schedule": "every day at noon"}},
	})
	_, err := New(context.Background(), Options{Config: cfg, NoConsole: true, PluginBuilder: builder})
	if err == nil || !strings.Contains(err.Error(), "relay") || !strings.Contains(err.Error(), "triggers[0].schedule") {
		t.Fatalf("err = %v, want one naming plugin relay and triggers[0].schedule", err)
	}
}
