package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
)

// TestDoctorNamesFsck: a local account whose meta.db is gone but whose
// blobs remain fails its check with `drive fsck` as the fix, and the check
// leaves the blobs alone.
func TestDoctorNamesFsck(t *testing.T) {
	doctorHostHook = func(o *runner.Options) { o.Builder, o.DataDir = builder, pluginCache }
	defer func() { doctorHostHook = nil }()
	cfg := testConfig(t, t.TempDir(), nil)
	blob := filepath.Join(cfg.Accounts["default"].Dir, "blobs", "aa", "bb", "aabb"+strings.Repeat("0", 36))
	os.MkdirAll(filepath.Dir(blob), 0o700)
	if err := os.WriteFile(blob, []byte("content"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := Doctor(context.Background(), cfg, nil)
	for _, c := range rep.Checks {
		if c.Area == "account" && c.Name == "default" {
			if c.Status != CheckFail || !strings.Contains(c.Fix, "wasmdrive drive fsck --account default") {
				t.Fatalf("account check = %+v", c)
			}
		}
	}
	if _, err := os.Stat(blob); err != nil {
		t.Fatalf("doctor removed a blob: %v", err)
	}
}
