package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestNoChangeRerunPhases prints where a no-change rerun spends its time
// (E2E_PERF_FILES files; skipped unless set). It asserts only correctness.
func TestNoChangeRerunPhases(t *testing.T) {
	n, src, _ := perfTree(t, "a no-change rerun")
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/B", nil)})
	e.MustCall("backup", "backup", nil, nil)
	for i := 0; i < 2; i++ {
		var out json.RawMessage
		start := time.Now()
		e.MustCall("backup", "backup", nil, &out)
		var s struct {
			Unchanged int              `json:"unchanged"`
			Phases    map[string]int64 `json:"phases_ms"`
		}
		json.Unmarshal(out, &s)
		t.Logf("rerun %d: %v, %.1f µs/file, phases %v", i, time.Since(start), float64(time.Since(start).Microseconds())/float64(n), s.Phases)
		if s.Unchanged != n {
			t.Fatalf("unchanged %d of %d", s.Unchanged, n)
		}
	}
}

// perfTree writes the tree of the phase profiles: E2E_PERF_FILES files of
// 1,000 bytes in 500 folders (the test is skipped unless it is set; what
// names the profile). path(i) is file i's path.
func perfTree(t *testing.T, what string) (n int, src string, path func(int) string) {
	t.Helper()
	n, _ = strconv.Atoi(os.Getenv("E2E_PERF_FILES"))
	if n == 0 {
		t.Skip("set E2E_PERF_FILES to profile " + what)
	}
	src = t.TempDir()
	path = func(i int) string { return filepath.Join(src, fmt.Sprintf("d%03d/f%06d", i%500, i)) }
	for i := 0; i < n; i++ {
		WriteFile(t, path(i), Content(i, 1000))
	}
	return n, src, path
}
