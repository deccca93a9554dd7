package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStrictKeys: an unknown key or a wrongly typed value anywhere in the
// file or the WASMDRIVE_* environment fails Load with its full path and,
// for a typo, the nearest valid key.
func TestStrictKeys(t *testing.T) {
	tests := []struct {
		name, yaml string
		env        []string
		want       string // substring of the error
	}{
		{"typo at the top", "data_dri: /x\n", nil, "data_dri: unknown key; did you mean data_dir?"},
		{"typo in a section", "plugins:\n  dirz: [/x]\n", nil, "plugins.dirz: unknown key; did you mean plugins.dirs?"},
		{"typo under an account name", "accounts:\n  work:\n    tpye: local\n", nil, "accounts.work.tpye: unknown key; did you mean accounts.work.type?"},
		{"typo under enabled.NAME", "plugins:\n  enabled:\n    backup:\n      acount: x\n", nil, "plugins.enabled.backup.acount: unknown key; did you mean plugins.enabled.backup.account?"},
		{"typo in grants", "plugins:\n  enabled:\n    backup:\n      grants: {fuctions: [kv]}\n", nil, "plugins.enabled.backup.grants.fuctions: unknown key; did you mean plugins.enabled.backup.grants.functions?"},
		{"typo in a grant's paths", "plugins:\n  enabled:\n    backup:\n      grants: {local: {raed: [/x]}}\n", nil, "plugins.enabled.backup.grants.local.raed: unknown key; did you mean plugins.enabled.backup.grants.local.read?"},
		{"far from any key", "zzzzzzzzzz: 1\n", nil, "zzzzzzzzzz: unknown key (valid keys here: accounts, console,"},
		{"unknown env key", "", []string{"WASMDRIVE_PLUGINS__DIRZ=/x"}, "plugins.dirz (from WASMDRIVE_PLUGINS__DIRZ): unknown key; did you mean plugins.dirs?"},
		{"int as a word", "accounts:\n  a:\n    quota_bytes: lots\n", nil, `accounts.a.quota_bytes: expected an integer, got "lots"`},
		{"int from env", "", []string{"WASMDRIVE_NATS__REPLICAS=three"}, `nats.replicas (from WASMDRIVE_NATS__REPLICAS): expected an integer, got "three"`},
		{"list as a number", "plugins:\n  dirs: 5\n", nil, "plugins.dirs: expected a list, got a number"},
		{"section as a string", "nats: nats://x\n", nil, "nats: expected a mapping of keys"},
		{"bool as a word", "console:\n  disabled: maybe\n", nil, `console.disabled: expected true or false, got "maybe"`},
		{"duration", "accounts:\n  a:\n    upload_session_ttl: forever\n", nil, `accounts.a.upload_session_ttl: expected a duration`},
		{"list item type", "plugins:\n  enabled:\n    backup:\n      grants: {emit: [{a: 1}]}\n", nil, "plugins.enabled.backup.grants.emit[0]: expected a string, got a mapping"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.yaml != "" {
				path = filepath.Join(t.TempDir(), "wasmdrive.yaml")
				if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			env := append([]string{"WASMDRIVE_SOURCE=/src", "WASMDRIVE_CONFIG=/c.yaml", "WASMDRIVE_ARTIFACTS=/a"}, tc.env...)
			_, err := Load(path, env, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestStrictKeysAcceptValid: arbitrary names under map-keyed sections, plugin
// config keys (checked by the plugin's schema) and string env values load.
func TestStrictKeysAcceptValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wasmdrive.yaml")
	yml := `
accounts:
  any-name_1: {type: local, quota_bytes: 1000, upload_session_ttl: 2h}
plugins:
  dirs: [/opt/plugins]
  enabled:
    my-plugin:
      config: {whatever: 1, nested: {x: y}}
      grants: {functions: [kv], drive: {read: [/a]}, local: {read: [/b]}, emit: [a.>]}
      triggers: [{schedule: "@every 1h"}]
`
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"WASMDRIVE_NATS__REPLICAS=3", "WASMDRIVE_CONSOLE__DISABLED=true", "WASMDRIVE_SOURCE=/src", "WASMDRIVE_ARTIFACTS=/a"}
	cfg, err := Load(path, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NATS.Replicas != 3 || !cfg.Console.Disabled {
		t.Fatalf("env not applied: %+v %+v", cfg.NATS, cfg.Console)
	}
}
