package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/app"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner/build"
)

// TestPluginDisableEnable: with no node running, `plugin disable` stores
// the choice and a node starting later applies it; with a node running,
// `plugin enable` goes through it (which checks the name) and takes effect
// at once.
func TestPluginDisableEnable(t *testing.T) {
	data := t.TempDir()
	out := mustWD(t, data, "plugin", "disable", "relay")
	if !strings.Contains(out, "plugin relay disabled when a node starts") {
		t.Fatalf("disable with no node: %s", out)
	}

	plugins, err := filepath.Abs("../../app/testdata/plugins")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("", []string{}, map[string]any{
		"data_dir": data, "plugins.dirs": []string{plugins}, "plugins.disable_builtins": true,
		"plugins.enabled.relay.account": "", "node_name": "n1", "nats.listen": "127.0.0.1:-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Options{Config: cfg, NoConsole: true,
		PluginBuilder: &build.Builder{CacheDir: filepath.Join(os.TempDir(), "wasmdrive-app-test-build")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { stop(); <-done }()
	enabled := func() bool {
		pi, err := a.Host.Plugin("relay")
		if err != nil {
			t.Fatal(err)
		}
		return pi.Enabled
	}
	if enabled() {
		t.Fatal("the node started with relay enabled; the CLI's disable was lost")
	}

	t.Setenv("WASMDRIVE_NATS__URL", a.Conn.URL)
	t.Setenv("WASMDRIVE_NATS__TOKEN", a.Conn.Token())
	if out := mustWD(t, data, "plugin", "enable", "relay"); !strings.Contains(out, "plugin relay enabled on every node of "+a.Conn.URL) {
		t.Fatalf("enable through the node: %s", out)
	}
	if !enabled() {
		t.Fatal("relay still disabled after plugin enable")
	}
	if code, _, errs := wd(t, data, "plugin", "disable", "nope"); code == 0 || !strings.Contains(errs, `unknown plugin "nope"`) {
		t.Fatalf("disable an unknown plugin: exit %d %s", code, errs)
	}
}
