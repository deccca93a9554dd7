package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// lockedBuf is a log sink the node's goroutines write at once.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTriggerStormStopsAtDepth reproduces issue 12's storm with the real
// built-in backup plugin: a trigger on backup.> catches both the event that
// starts a run (backup.run) and the run's own summary (backup.completed).
// The event's "subject" field must not redirect the summary onto
// backup.run, and the loop through backup.completed must stop at
// plugins.max_trigger_depth with one log line naming the limit.
func TestTriggerStormStopsAtDepth(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := runner.SourceRoot()
	if err != nil {
		t.Fatal(err)
	}
	const depth = 3
	cfg := testConfig(t, dir, map[string]any{
		"plugins.dirs":                          []string{filepath.Join(root, "plugins", "backup"), filepath.Join(root, "app", "testdata", "plugins")},
		"plugins.disable_builtins":              true,
		"plugins.enabled.backup.account":        "",
		"plugins.enabled.backup.config.source":  src,
		"plugins.enabled.backup.config.target":  "/Backup/storm",
		"plugins.enabled.backup.triggers":       []map[string]any{{"subject": "backup.>", "entry": "backup"}},
		"plugins.max_trigger_depth":             depth,
		"plugins.enabled.backup.config.retries": 1,
	})
	logs := &lockedBuf{}
	a, err := New(context.Background(), Options{Config: cfg, NoConsole: true, PluginBuilder: builder, PluginCacheDir: pluginCache,
		Grace: time.Second, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Queue: queue.Options{AckWait: 2 * time.Second, LeaseTTL: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{App: a, stop: cancel, done: make(chan error, 1)}
	go func() { n.done <- a.Run(ctx) }()
	t.Cleanup(n.shutdown)

	if err := n.Conn.NC.Publish("backup.run", []byte(`{"why":"storm test"}`)); err != nil {
		t.Fatal(err)
	}
	// The refusal is logged when the run at the deepest allowed hop emits:
	// every run of the chain has been queued by then.
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(logs.String(), "trigger chain too deep") {
		if time.Now().After(deadline) {
			runs, _ := n.Service.ListRuns(context.Background(), runner.RunFilter{Plugin: "backup"})
			t.Fatalf("no refusal logged; %d backup runs so far; log:\n%s", len(runs), logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "trigger chain too deep") {
			if line != "" {
				t.Fatalf("refusal logged twice:\n%s\n%s", line, l)
			}
			line = l
		}
	}
	t.Logf("refusal: %s", line)
	for _, want := range []string{"plugins.max_trigger_depth", "limit=3", "plugin=backup", "subject=backup.completed"} {
		if !strings.Contains(line, want) {
			t.Errorf("refusal line lacks %q: %s", want, line)
		}
	}
	runs, err := n.Service.ListRuns(context.Background(), runner.RunFilter{Plugin: "backup"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != depth {
		t.Fatalf("%d backup runs, want %d (one per allowed hop)", len(runs), depth)
	}
	triggers := map[string]int{}
	for _, r := range runs {
		triggers[r.Trigger]++
	}
	// One run from the published event; the rest from the summaries, which
	// stay on the configured subject.
	if triggers["subject:backup.run"] != 1 || triggers["subject:backup.completed"] != depth-1 {
		t.Fatalf("run triggers %v, want 1 from backup.run and %d from backup.completed", triggers, depth-1)
	}
	for _, r := range runs {
		r = waitRun(t, n.Service, runner.RunFilter{Plugin: "backup"}, func(x *runner.RunRecord) bool {
			return x.ID == r.ID && x.Status != runner.StatusQueued && x.Status != runner.StatusRunning
		})
		if r.Status != runner.StatusSucceeded {
			t.Errorf("run %s (%s): %s %s", r.ID, r.Trigger, r.Status, r.Error)
		}
	}
}
