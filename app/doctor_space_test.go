package app

import (
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
)

// TestDoctorSpaceFollowsTheConfig is issue 12 (disk): doctor warned below a
// fixed 1 GiB although serve starts with 500 MB free; it now asks for what
// the config reserves plus headroom.
func TestDoctorSpaceFollowsTheConfig(t *testing.T) {
	def := config.Default()
	big := config.Default()
	big.NATS.LogsMaxBytes = 1 << 30
	external := config.Default()
	external.NATS.LogsMaxBytes = 1 << 30
	external.NATS.URL = "nats://127.0.0.1:4222"
	for _, tc := range []struct {
		name string
		cfg  *config.Config
		free int64
		warn bool
	}{
		{"defaults, 500 MB free", def, 500 << 20, false},
		{"defaults, 100 MB free", def, 100 << 20, true},
		{"1 GiB log stream, 500 MB free", big, 500 << 20, true},
		{"external NATS reserves nothing here", external, 500 << 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dataSpaceCheck("/data", tc.free, tc.cfg)
			if got := c.Status == CheckWarn; got != tc.warn {
				t.Fatalf("warn = %v, want %v (%+v)", got, tc.warn, c)
			}
			if tc.warn && !strings.Contains(c.Fix, "nats.logs_max_bytes") {
				t.Errorf("fix %q does not name the keys to lower", c.Fix)
			}
		})
	}
}
