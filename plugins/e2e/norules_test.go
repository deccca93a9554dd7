package e2e

import "testing"

// TestNoRulesIsIdle: archive and cleanup are enabled by default with no
// rules; such a run (e.g. cleanup chained after every backup) must succeed
// and do nothing, not fail and retry.
func TestNoRulesIsIdle(t *testing.T) {
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"archive": {}, "cleanup": {}})
	for _, plugin := range []string{"archive", "cleanup"} {
		var s struct {
			Status string `json:"status"`
		}
		if err := e.Call(plugin, plugin, nil, &s); err != nil {
			t.Fatalf("%s with no rules: %v", plugin, err)
		}
		if s.Status != "idle" {
			t.Fatalf("%s with no rules: status %q, want idle", plugin, s.Status)
		}
	}
}
