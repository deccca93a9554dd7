package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wasmdrive.yaml")
	yml := `
data_dir: /srv/wd
accounts:
  finance:
    type: local
    quota_bytes: 1000
  work:
    type: aliyun
    client_id: app123
    client_secret: s3cret
default_account: work
plugins:
  enabled:
    backup:
      account: finance
      config:
        interval: 30m
`
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"WASMDRIVE_NATS__URL=nats://10.0.0.1:4222", "WASMDRIVE_LOG_LEVEL=debug", "HOME=/root"}
	cfg, err := Load(path, env, map[string]any{"console.addr": "127.0.0.1:9999"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"data_dir", cfg.DataDir, "/srv/wd"},
		{"nats.url from env", cfg.NATS.URL, "nats://10.0.0.1:4222"},
		{"log_level from env", cfg.LogLevel, "debug"},
		{"console.addr override", cfg.Console.Addr, "127.0.0.1:9999"},
		{"default_account", cfg.DefaultAccount, "work"},
		{"local dir default", cfg.Accounts["finance"].Dir, filepath.Join("/srv/wd", "drives", "finance")},
		{"aliyun base url default", cfg.Accounts["work"].BaseURL, "https://openapi.alipan.com"},
		{"token file default", cfg.Accounts["work"].TokenFile, filepath.Join("/srv/wd", "tokens", "work.json")},
		{"plugin account", cfg.Plugins.Enabled["backup"].Account, "finance"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestDefaultsWithoutFile(t *testing.T) {
	cfg, err := Load("", []string{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultAccount != "default" || cfg.Accounts["default"].Type != "local" {
		t.Fatalf("want one local default account, got %+v", cfg.Accounts)
	}
	if !filepath.IsAbs(cfg.DataDir) || !filepath.IsAbs(cfg.Accounts["default"].Dir) {
		t.Fatalf("data_dir %q and account dir %q must be absolute", cfg.DataDir, cfg.Accounts["default"].Dir)
	}
}

func TestValidationErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name, yaml, wantPath string
	}{
		{"bad type", "accounts:\n  a:\n    type: s3\n", "accounts.a.type"},
		{"aliyun without client", "accounts:\n  a:\n    type: aliyun\n", "accounts.a.client_id"},
		{"bad log level", "log_level: loud\n", "log_level"},
		{"unknown default account", "default_account: nope\n", "default_account"},
		{"bad nats url", "nats:\n  url: localhost\n", "nats.url"},
		{"plugin unknown account", "plugins:\n  enabled:\n    backup:\n      account: ghost\n", "plugins.enabled.backup.account"},
		{"bad account name", "accounts:\n  'a b':\n    type: local\n", "accounts.a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(path, []byte(tc.yaml), 0o600)
			_, err := Load(path, []string{}, nil)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("want a FieldError, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.wantPath+":") {
				t.Fatalf("error %q does not name %q", err, tc.wantPath)
			}
		})
	}
}

func TestMissingFileSaysWhatToDo(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), []string{}, nil)
	if err == nil || !strings.Contains(err.Error(), "--config") {
		t.Fatalf("want a hint about --config, got %v", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	a := Account{ClientSecret: "hunter2"}
	for _, s := range []string{fmtV(a), fmtPlusV(a), fmtSharpV(a)} {
		if strings.Contains(s, "hunter2") {
			t.Fatalf("secret leaked: %s", s)
		}
	}
}

func FuzzLoadYAML(f *testing.F) {
	f.Add([]byte("data_dir: x\naccounts:\n  a:\n    type: local\n"))
	f.Add([]byte("nats: [1,2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Skip()
		}
		cfg, err := Load(path, []string{}, nil)
		if err == nil && cfg.DataDir == "" {
			t.Fatal("valid config with empty data_dir")
		}
	})
}

func TestBuiltinsEnabledByDefault(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
		backupSrc  string
	}{
		{"fresh", "", []string{"archive", "backup", "cleanup"}, "inbox"},
		{"operator entry wins", "plugins:\n  enabled:\n    backup:\n      config: {source: /srv, target: /B}\n", []string{"archive", "backup", "cleanup"}, "/srv"},
		{"disabled", "plugins:\n  disable_builtins: true\n", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(path, []byte(tc.yaml), 0o600)
			cfg, err := Load(path, []string{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range BuiltinPlugins {
				if _, ok := cfg.Plugins.Enabled[n]; ok {
					got = append(got, n)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("enabled built-ins %v, want %v", got, tc.want)
			}
			if tc.backupSrc != "" {
				src, _ := cfg.Plugins.Enabled["backup"].Config["source"].(string)
				if !strings.HasSuffix(src, tc.backupSrc) {
					t.Fatalf("backup source %q, want suffix %q", src, tc.backupSrc)
				}
			}
		})
	}
}
