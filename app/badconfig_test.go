package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
)

// TestBadConfigsFailWithKeyPath is issue 15's table of bad configs: each
// fails at load (config.Load, serve's loader) or at start (New) with the
// key's path in the error; none is silently ignored.
func TestBadConfigsFailWithKeyPath(t *testing.T) {
	plugins, err := filepath.Abs("testdata/plugins")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		top   string // top-level YAML besides plugins
		relay string // YAML of plugins.enabled.relay (indented 6)
		extra string // more plugins.enabled entries (indented 4)
		want  string
	}{
		{name: "unknown top key", top: "nats:\n  urll: nats://x:4222\n", want: "nats.urll: unknown key; did you mean nats.url?"},
		{name: "unknown plugin entry key", relay: "acount: x", want: "plugins.enabled.relay.acount: unknown key; did you mean plugins.enabled.relay.account?"},
		{name: "wrong type", top: "nats:\n  replicas: three\n", want: `nats.replicas: expected an integer, got "three"`},
		{name: "wrong type in a list", relay: "triggers: {schedule: x}", want: "plugins.enabled.relay.triggers: expected a list"},
		{name: "bad grant function", relay: "grants: {functions: [nope]}", want: `plugins.enabled.relay.grants: functions: "nope" is not a host function`},
		{name: "bad grant key", relay: "grants: {emitt: [a.>]}", want: "plugins.enabled.relay.grants.emitt: unknown key; did you mean plugins.enabled.relay.grants.emit?"},
		{name: "bad grant subject", relay: "grants: {emit: [\"a..b\"]}", want: "plugins.enabled.relay.grants: emit:"},
		{name: "bad schedule", relay: "triggers: [{schedule: \"every day\", entry: noop}]", want: "plugins.enabled.relay.triggers[0].schedule"},
		{name: "bad subject", relay: "triggers: [{subject: \"app..x\", entry: noop}]", want: "plugins.enabled.relay.triggers[0].subject"},
		{name: "unknown plugin config key", relay: "config: {nope: 1}", want: "plugins.enabled.relay.config.nope"},
		{name: "enabled of an unknown plugin", extra: "    ghost: {}\n", want: `plugins.enabled.ghost: no plugin named "ghost"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			relay := tc.relay
			if relay == "" {
				relay = "account: \"\""
			}
			yml := fmt.Sprintf("%snode_name: t1\nnats:\n  listen: 127.0.0.1:-1\nplugins:\n  disable_builtins: true\n  dirs: [%s]\n  enabled:\n    relay:\n      %s\n%s",
				tc.top, plugins, relay, tc.extra)
			if strings.HasPrefix(tc.top, "nats:") { // one nats section
				yml = strings.Replace(yml, "nats:\n  listen: 127.0.0.1:-1\n", "", 1)
			}
			path := filepath.Join(dir, "wasmdrive.yaml")
			if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(path, []string{}, map[string]any{"data_dir": dir})
			if err == nil {
				var a *App
				a, err = New(context.Background(), Options{Config: cfg, NoConsole: true, PluginBuilder: builder, PluginCacheDir: pluginCache})
				if err == nil {
					a.Close()
					t.Fatalf("config accepted:\n%s", yml)
				}
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
