package app

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// startConsoleNode is startNode with the web console on a free loopback
// port; it returns the console's base URL.
func startConsoleNode(t *testing.T, dir string) (*node, string) {
	t.Helper()
	a, err := New(context.Background(), Options{Config: testConfig(t, dir, nil), ConsoleAddr: "127.0.0.1:0", PluginBuilder: builder,
		PluginCacheDir: pluginCache, Grace: time.Second, Queue: queue.Options{AckWait: 2 * time.Second, LeaseTTL: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{App: a, stop: cancel, done: make(chan error, 1)}
	go func() { n.done <- a.Run(ctx) }()
	t.Cleanup(n.shutdown)
	return n, "http://" + a.console.ln.Addr().String()
}

// consolePlugins reads GET /api/plugins from the console.
func consolePlugins(t *testing.T, base string) map[string]runner.PluginInfo {
	t.Helper()
	resp, err := http.Get(base + "/api/plugins")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Plugins []runner.PluginInfo `json:"plugins"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/plugins: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	out := map[string]runner.PluginInfo{}
	for _, p := range body.Plugins {
		out[p.Name] = p
	}
	return out
}

// TestConsoleShowsLastRunOfRealService runs a plugin through the serve
// wiring (JetStream queue, runner.Host, console) and checks that the
// console's plugin list names that run as the plugin's last run.
func TestConsoleShowsLastRunOfRealService(t *testing.T) {
	n, base := startConsoleNode(t, t.TempDir())
	if p := consolePlugins(t, base)["relay"]; p.LastRun != nil {
		t.Fatalf("before any run: last_run = %+v", p.LastRun)
	}
	rec, err := n.Service.Trigger(context.Background(), "relay", "noop", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, n.Service, runner.RunFilter{Plugin: "relay"}, func(r *runner.RunRecord) bool {
		return r.ID == rec.ID && r.Status == runner.StatusSucceeded
	})
	p := consolePlugins(t, base)["relay"]
	if p.LastRun == nil || p.LastRun.ID != rec.ID || p.LastRun.Status != runner.StatusSucceeded {
		t.Fatalf("last_run = %+v, want run %s succeeded", p.LastRun, rec.ID)
	}
}
