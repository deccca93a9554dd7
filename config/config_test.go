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

// TestNATSSizes: the stream and bucket sizes default to what a small disk
// holds (issue 12 finding 6: the log stream reserved 1 GiB, so serve did
// not start with less than about 1.6 GB free) and are checked, naming the key.
func TestNATSSizes(t *testing.T) {
	def, err := Load("", []string{}, map[string]any{"data_dir": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// serve must start with 500 MB free: nats-server allows 75% of it.
	if r := def.NATS.Reserved(); r <= 0 || r > 500e6*3/4/2 {
		t.Errorf("default reservation %d bytes: want well under 75%% of 500 MB", r)
	}
	if def.NATS.LogsMaxBytes != DefaultLogsMaxBytes || def.NATS.EventsMaxBytes != DefaultEventsMaxBytes || def.NATS.KVMaxBytes != 0 || def.NATS.MaxStore != 0 {
		t.Errorf("defaults = %+v", def.NATS)
	}
	tests := []struct {
		name    string
		over    map[string]any
		wantKey string // "" = valid
		check   func(NATS) bool
	}{
		{name: "sizes set", over: map[string]any{"nats.logs_max_bytes": 8 << 20, "nats.events_max_bytes": 4 << 20, "nats.kv_max_bytes": 2 << 20, "nats.max_store": 100 << 20},
			check: func(n NATS) bool {
				return n.LogsMaxBytes == 8<<20 && n.EventsMaxBytes == 4<<20 && n.KVMaxBytes == 2<<20 && n.Reserved() == 16<<20
			}},
		{name: "from the environment", over: nil, check: func(n NATS) bool { return n.LogsMaxBytes == 3<<20 }},
		{name: "logs below 1 MiB", over: map[string]any{"nats.logs_max_bytes": 1000}, wantKey: "nats.logs_max_bytes"},
		{name: "negative events", over: map[string]any{"nats.events_max_bytes": -1}, wantKey: "nats.events_max_bytes"},
		{name: "kv below 1 MiB", over: map[string]any{"nats.kv_max_bytes": 10}, wantKey: "nats.kv_max_bytes"},
		{name: "negative max store", over: map[string]any{"nats.max_store": -5}, wantKey: "nats.max_store"},
		{name: "max store smaller than the reservation", over: map[string]any{"nats.max_store": 100 << 20, "nats.logs_max_bytes": 90 << 20}, wantKey: "nats.max_store"},
		{name: "not a number", over: map[string]any{"nats.logs_max_bytes": "lots"}, wantKey: "nats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			over := map[string]any{"data_dir": t.TempDir()}
			for k, v := range tt.over {
				over[k] = v
			}
			environ := []string{}
			if tt.over == nil {
				environ = []string{"WASMDRIVE_NATS__LOGS_MAX_BYTES=3145728"}
			}
			cfg, err := Load("", environ, over)
			if tt.wantKey != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantKey) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantKey)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg.NATS) {
				t.Fatalf("NATS = %+v", cfg.NATS)
			}
		})
	}
}
