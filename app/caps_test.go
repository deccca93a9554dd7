package app

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// floodNode starts a node with the flood plugin (limits.max_log_lines
// 1000, limits.max_emits 50) and a log stream of logBytes.
func floodNode(t *testing.T, logBytes int64) *node {
	t.Helper()
	abs, err := filepath.Abs("testdata/flood")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("", []string{}, map[string]any{
		"data_dir": t.TempDir(), "plugins.dirs": []string{abs}, "plugins.disable_builtins": true,
		"plugins.enabled.flood.account": "", "node_name": "t1", "nats.listen": "127.0.0.1:-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), Options{Config: cfg, NoConsole: true, PluginBuilder: builder, PluginCacheDir: pluginCache, Grace: time.Second,
		Queue: queue.Options{AckWait: 2 * time.Second, LeaseTTL: time.Second, LogMaxBytes: logBytes}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{App: a, stop: cancel, done: make(chan error, 1)}
	go func() { n.done <- a.Run(ctx) }()
	t.Cleanup(n.shutdown)
	return n
}

// runFlood runs an entry of the flood plugin to its end and returns its
// record and log lines.
func runFlood(t *testing.T, n *node, entry string, input any) (*runner.RunRecord, []runner.LogLine) {
	t.Helper()
	in, _ := json.Marshal(input)
	rec, err := n.Service.Trigger(context.Background(), "flood", entry, in, "")
	if err != nil {
		t.Fatal(err)
	}
	got := waitRun(t, n.Service, runner.RunFilter{Plugin: "flood"}, func(r *runner.RunRecord) bool {
		return r.ID == rec.ID && (r.Status == runner.StatusSucceeded || r.Status == runner.StatusFailed || r.Status == runner.StatusDead)
	})
	if got.Status != runner.StatusSucceeded {
		t.Fatalf("flood %s: %+v", entry, got)
	}
	lines, err := n.Service.Logs(context.Background(), rec.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return got, lines
}

// TestPluginLogsAreCapped: a run logging in a tight loop through every
// log source stores at most limits.max_log_lines lines plus one marker
// saying how many were dropped and which key raises the cap, and the log
// stream (2 MiB here) keeps an earlier run's lines. Before the cap, the
// 40,000 lines (8 MB) went into the stream and evicted the quiet run's.
func TestPluginLogsAreCapped(t *testing.T) {
	n := floodNode(t, 2<<20)
	quiet, _ := runFlood(t, n, "quiet", nil)
	const lines, size = 40000, 200
	_, logs := runFlood(t, n, "flood", map[string]int{"n": lines, "size": size})

	// The earlier run's lines survive the flood.
	kept, err := n.Service.Logs(context.Background(), quiet.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, l := range kept {
		if strings.HasPrefix(l.Msg, "quiet line ") {
			got++
		}
	}
	if got != 5 {
		t.Errorf("the quiet run kept %d of its 5 lines after the flood: %+v", got, kept)
	}

	plugin, markers := 0, []runner.LogLine{}
	for _, l := range logs {
		switch {
		case l.Source != "host":
			plugin++
		case strings.Contains(l.Msg, "log truncated"):
			markers = append(markers, l)
		}
	}
	if plugin > 1000 || plugin < 900 {
		t.Errorf("the flood stored %d plugin lines, want at most limits.max_log_lines = 1000 (and most of them)", plugin)
	}
	if len(markers) != 1 {
		t.Fatalf("want one truncation marker, got %d: %+v", len(markers), markers)
	}
	m := markers[0]
	if !strings.Contains(m.Msg, "limits.max_log_lines") || !strings.Contains(m.Msg, "plugin.yaml") {
		t.Errorf("marker does not name the key that raises the cap: %s", m.Msg)
	}
	if d, _ := m.Fields["dropped_lines"].(float64); int(d)+plugin != lines {
		t.Errorf("marker says %v lines dropped, %d stored, of %d logged", m.Fields["dropped_lines"], plugin, lines)
	}

}

// TestPluginEventsAndKVAreCapped: an event above abi.MaxEmitBytes and a KV
// value above abi.MaxKVValueBytes are refused with invalid_argument and a
// message saying what to do; emits beyond limits.max_emits answer
// quota_exceeded naming the key.
func TestPluginEventsAndKVAreCapped(t *testing.T) {
	n := floodNode(t, 0)
	var res struct {
		Codes map[string]int `json:"codes"`
		Last  string         `json:"last"`
	}
	rec, _ := runFlood(t, n, "emit", map[string]int{"count": 3, "size": abi.MaxEmitBytes + 1})
	if err := json.Unmarshal(rec.Result, &res); err != nil {
		t.Fatal(err)
	}
	if res.Codes[abi.CodeInvalidArgument] != 3 || !strings.Contains(res.Last, "cap on one event") {
		t.Errorf("oversized emits: %s", rec.Result)
	}

	res.Codes = nil
	rec, _ = runFlood(t, n, "emit", map[string]int{"count": 60, "size": 10})
	if err := json.Unmarshal(rec.Result, &res); err != nil {
		t.Fatal(err)
	}
	if res.Codes["ok"] != 50 || res.Codes[abi.CodeQuotaExceeded] != 10 || !strings.Contains(res.Last, "limits.max_emits") {
		t.Errorf("emits beyond limits.max_emits = 50: %s", rec.Result)
	}

	var kv struct{ Code, Error string }
	rec, _ = runFlood(t, n, "kv", map[string]int{"size": abi.MaxKVValueBytes + 1})
	if err := json.Unmarshal(rec.Result, &kv); err != nil {
		t.Fatal(err)
	}
	if kv.Code != abi.CodeInvalidArgument || !strings.Contains(kv.Error, "cap on one value") {
		t.Errorf("oversized kv value: %s", rec.Result)
	}
}
