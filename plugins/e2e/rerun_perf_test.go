package e2e

import (
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestChangedRerunPhases prints where a rerun after 1% of the files
// changed spends its time (E2E_PERF_FILES files; skipped unless set). It
// asserts only correctness.
func TestChangedRerunPhases(t *testing.T) {
	n, src, path := perfTree(t, "a rerun after 1% changed")
	extra := map[string]any{}
	if c, _ := strconv.Atoi(os.Getenv("E2E_CHECKPOINT_FILES")); c > 0 {
		extra["checkpoint_files"] = c // separates checkpoint cost from upload cost
	}
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/B", extra)})
	e.MustCall("backup", "backup", nil, nil)
	for round := range 2 {
		for i := 0; i < n; i += 100 {
			WriteFile(t, path(i), Content(i+n*(round+1), 1200+round))
		}
		changedRerun(t, e, n)
	}
}

func changedRerun(t *testing.T, e *TestEnv, n int) {
	var out json.RawMessage
	start := time.Now()
	e.MustCall("backup", "backup", nil, &out)
	var s struct {
		Uploaded  int              `json:"uploaded"`
		BytesSent int64            `json:"bytes_sent"`
		Phases    map[string]int64 `json:"phases_ms"`
	}
	json.Unmarshal(out, &s)
	t.Logf("rerun after 1%% changed: %v, %d uploaded, %d bytes, phases %v", time.Since(start), s.Uploaded, s.BytesSent, s.Phases)
	if s.Uploaded != (n+99)/100 {
		t.Fatalf("uploaded %d, want %d", s.Uploaded, (n+99)/100)
	}
}
