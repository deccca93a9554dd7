package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/app"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/build"
)

// startServeNode runs a node on data (the app test plugin "relay") and
// writes serve.json as `wasmdrive serve` does, so CLI commands reach it.
func startServeNode(t *testing.T, data string) {
	t.Helper()
	plugins, err := filepath.Abs("../../app/testdata/plugins")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("", []string{}, map[string]any{
		"data_dir": data, "plugins.dirs": []string{plugins}, "plugins.disable_builtins": true,
		"plugins.enabled.relay.account": "", "node_name": "cli-test", "nats.listen": "127.0.0.1:-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	lock, err := app.LockServe(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() })
	token := app.NewToken()
	a, err := app.New(context.Background(), app.Options{Config: cfg, NoConsole: true, NATSToken: token,
		PluginBuilder: &build.Builder{CacheDir: filepath.Join(os.TempDir(), "wasmdrive-app-test-build")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.WriteServeInfo(data, app.ServeInfo{PID: os.Getpid(), Node: "cli-test", NATSURL: a.Conn.URL, Token: token}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestTriggerAndRunsCommands(t *testing.T) {
	data := t.TempDir()
	startServeNode(t, data)
	id := strings.TrimSpace(mustWD(t, data, "trigger", "relay", "--entry", "slow", "--input", `{"ms":20}`, "--key", "k1"))
	if again := strings.TrimSpace(mustWD(t, data, "trigger", "relay", "--entry", "slow", "--key", "k1")); again != id {
		t.Fatalf("same key queued %s, want %s", again, id)
	}
	var rec runner.RunRecord
	deadline := time.Now().Add(30 * time.Second)
	for rec.Status != runner.StatusSucceeded {
		if time.Now().After(deadline) {
			t.Fatalf("run %s: %+v", id, rec)
		}
		time.Sleep(50 * time.Millisecond)
		if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "runs", "show", id)), &rec); err != nil {
			t.Fatal(err)
		}
	}
	var res bytes.Buffer
	if err := json.Compact(&res, rec.Result); err != nil || res.String() != `{"slept_ms":20}` || rec.Node != "cli-test" {
		t.Fatalf("record = %+v", rec)
	}
	if out := mustWD(t, data, "runs", "list", "--plugin", "relay"); !strings.Contains(out, id) || !strings.Contains(out, "succeeded") {
		t.Fatalf("runs list:\n%s", out)
	}
	if out := mustWD(t, data, "runs", "show", id); !strings.Contains(out, "status   succeeded") {
		t.Fatalf("runs show:\n%s", out)
	}
	mustWD(t, data, "runs", "logs", id, "-f") // returns once the run is final

	code, _, errs := wd(t, data, "trigger", "nosuch")
	if code == 0 || !strings.Contains(errs, `unknown plugin "nosuch"`) {
		t.Fatalf("unknown plugin: exit %d, %s", code, errs)
	}
	code, _, errs = wd(t, data, "runs", "retry", id+"x")
	if code == 0 || !strings.Contains(errs, "run not found") {
		t.Fatalf("retry of a missing run: exit %d, %s", code, errs)
	}
	retry := strings.TrimSpace(mustWD(t, data, "runs", "retry", id))
	if retry == id || retry == "" {
		t.Fatalf("retry queued %q", retry)
	}
}
