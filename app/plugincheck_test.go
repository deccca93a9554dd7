package app

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
)

// TestEnabledUnknownPluginFails: plugins.enabled naming a plugin that no
// plugin folder holds fails the start, and doctor, with the key (before,
// the entry was silently ignored, as the README's backup was when
// plugins.dirs replaced the built-ins).
func TestEnabledUnknownPluginFails(t *testing.T) {
	cfg := testConfig(t, t.TempDir(), map[string]any{"plugins.enabled.ghost.account": ""})
	_, err := New(context.Background(), Options{Config: cfg, NoConsole: true, PluginBuilder: builder, PluginCacheDir: pluginCache})
	if err == nil || !strings.Contains(err.Error(), `plugins.enabled.ghost: no plugin named "ghost"`) {
		t.Fatalf("New = %v, want an error naming plugins.enabled.ghost", err)
	}

	doctorHostHook = func(o *runner.Options) { o.Builder, o.DataDir = builder, pluginCache }
	defer func() { doctorHostHook = nil }()
	rep := Doctor(context.Background(), testConfig(t, t.TempDir(), map[string]any{"plugins.enabled.ghost.account": ""}), nil)
	found := false
	for _, c := range rep.Checks {
		if c.Status == CheckFail && strings.Contains(c.Detail, "plugins.enabled.ghost") {
			found = true
		}
	}
	if rep.OK || !found {
		t.Fatalf("doctor passes a config enabling an unknown plugin: %+v", rep.Checks)
	}
}
