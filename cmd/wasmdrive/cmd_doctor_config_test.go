package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoctorAndServeRejectTheSameConfigs: doctor runs serve's loader and
// plugin checks, so a config serve refuses is a doctor failure naming the
// same key (issue 15: doctor called the README's broken example valid).
func TestDoctorAndServeRejectTheSameConfigs(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "plugins:\n  disable_builtins: true\n  dirz: [/x]\n", "plugins.dirz: unknown key; did you mean plugins.dirs?"},
		{"enabled of an unknown plugin", "plugins:\n  disable_builtins: true\n  enabled:\n    ghost: {}\n", `plugins.enabled.ghost: no plugin named "ghost"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "wasmdrive.yaml")
			if err := os.WriteFile(cfg, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range [][]string{{"doctor"}, {"serve", "--console", "127.0.0.1:0"}} {
				code, out, errs := wd(t, t.TempDir(), append([]string{"--config", cfg}, cmd...)...)
				if code == 0 || !strings.Contains(out+errs, tc.want) {
					t.Errorf("wasmdrive %s: exit %d, want a failure naming %q:\n%s%s", cmd[0], code, tc.want, out, errs)
				}
			}
		})
	}
}
