// Package config loads wasmdrive's configuration: one YAML file, then
// WASMDRIVE_* environment variables, then flags, merged with koanf and
// validated so that a bad value fails at start with the key's path and the
// reason.
//
// Environment variables map to keys by lower-casing and turning "__" into a
// dot: WASMDRIVE_DATA_DIR=/srv/wd sets data_dir, WASMDRIVE_NATS__URL sets
// nats.url, WASMDRIVE_CONSOLE__TOKEN sets console.token.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix is the prefix of environment variables read as config.
const EnvPrefix = "WASMDRIVE_"

// Config is the whole configuration.
type Config struct {
	// DataDir holds the local drive, NATS store, plugin caches, audit log.
	DataDir string `koanf:"data_dir"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `koanf:"log_level"`
	// Accounts by name. With none configured, one local account "default"
	// on DataDir/drive exists.
	Accounts map[string]Account `koanf:"accounts"`
	// DefaultAccount is used when a command or plugin names none.
	DefaultAccount string  `koanf:"default_account"`
	NATS           NATS    `koanf:"nats"`
	Console        Console `koanf:"console"`
	Plugins        Plugins `koanf:"plugins"`
	// NodeName identifies this process among serve nodes (default: hostname-pid).
	NodeName string `koanf:"node_name"`
}

// Account is one drive account.
type Account struct {
	// Type is "local" (the embedded drive) or "aliyun" (Open Platform).
	Type string `koanf:"type"`
	// Dir is the local drive's data folder (local; default DataDir/drives/NAME).
	Dir string `koanf:"dir"`
	// QuotaBytes caps a local drive's total size (0: 1 TiB).
	QuotaBytes int64 `koanf:"quota_bytes"`
	// UploadSessionTTL is how long a local drive keeps an unfinished
	// upload (and its disk space) with no part written before dropping it
	// (local; default 24h).
	UploadSessionTTL time.Duration `koanf:"upload_session_ttl"`
	// BaseURL of the Open API (aliyun; default https://openapi.alipan.com).
	BaseURL string `koanf:"base_url"`
	// ClientID and ClientSecret of the Open Platform app (aliyun).
	ClientID     string `koanf:"client_id"`
	ClientSecret Secret `koanf:"client_secret"`
	// TokenFile holds the OAuth tokens, mode 0600 (aliyun; default DataDir/tokens/NAME.json).
	TokenFile string `koanf:"token_file"`
	// RateLimit is requests per second to the API (aliyun; default 10).
	RateLimit float64 `koanf:"rate_limit"`
}

// Secret is a string that never prints.
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "***"
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return `config.Secret("***")` }

// NATS configures the message backbone.
type NATS struct {
	// URL of an external NATS (cluster); empty embeds a nats-server.
	URL string `koanf:"url"`
	// Credentials file for the external NATS (optional).
	CredsFile string `koanf:"creds_file"`
	// Listen makes the embedded server also listen on this address
	// (e.g. 127.0.0.1:4222) so `nats pub` can reach it; empty: in-process only.
	// The listener always requires a token: Token, else one generated in
	// DataDir/nats.token (mode 0600); a non-loopback address requires Token.
	Listen string `koanf:"listen"`
	// Token protects the embedded server's listener (nats.listen) and is
	// sent to nats.url (another node's embedded server); empty: generated.
	Token Secret `koanf:"token"`
	// Replicas of streams and KV buckets on a cluster (default 1).
	Replicas int `koanf:"replicas"`
	// LogsMaxBytes caps the run log stream (oldest lines go first);
	// JetStream reserves it on disk at start (default 64 MiB, at least 1 MiB).
	LogsMaxBytes int64 `koanf:"logs_max_bytes"`
	// EventsMaxBytes caps the trigger event stream, reserved likewise
	// (default 64 MiB, at least 1 MiB).
	EventsMaxBytes int64 `koanf:"events_max_bytes"`
	// KVMaxBytes caps the run records and the plugin state buckets each,
	// reserved likewise (0: no cap and no reservation; else at least 1 MiB).
	KVMaxBytes int64 `koanf:"kv_max_bytes"`
	// MaxStore caps the embedded server's JetStream store (0: 75% of the
	// disk space free at start, nats-server's default).
	MaxStore int64 `koanf:"max_store"`
}

// Default sizes of the NATS streams (see NATS).
const (
	DefaultLogsMaxBytes   = 64 << 20
	DefaultEventsMaxBytes = 64 << 20
	minStreamBytes        = 1 << 20
)

// Reserved is what the streams and buckets reserve on the JetStream store.
func (n NATS) Reserved() int64 { return n.LogsMaxBytes + n.EventsMaxBytes + 2*n.KVMaxBytes }

// Console configures the web console.
type Console struct {
	// Addr to listen on (default 127.0.0.1:8377); "" disables with Disabled.
	Addr     string `koanf:"addr"`
	Disabled bool   `koanf:"disabled"`
	// Token required on every request when Addr is not loopback, and for
	// mutating actions always.
	Token Secret `koanf:"token"`
}

// Plugins configures the plugin host.
type Plugins struct {
	// Dirs to load plugins from besides the built-ins (default
	// DataDir/plugins); the built-ins load first unless DisableBuiltins.
	Dirs []string `koanf:"dirs"`
	// Enabled plugins and their operator settings, by plugin name.
	Enabled map[string]PluginConfig `koanf:"enabled"`
	// DisableBuiltins skips the built-in backup, archive and cleanup plugins.
	DisableBuiltins bool `koanf:"disable_builtins"`
	// MaxTriggerDepth is how many runs a chain of subject triggers may hold
	// (a run's emits trigger a run whose emits trigger...): an event that
	// would start run number MaxTriggerDepth+1 of its chain starts none and
	// is logged. 0 means DefaultMaxTriggerDepth.
	MaxTriggerDepth int `koanf:"max_trigger_depth"`
}

// DefaultMaxTriggerDepth is plugins.max_trigger_depth when unset.
const DefaultMaxTriggerDepth = 8

// PluginConfig is the operator's side of one plugin.
type PluginConfig struct {
	// Disabled turns the plugin off (it is enabled when listed).
	Disabled bool `koanf:"disabled"`
	// Account the plugin's drive calls go to ("" = default account).
	Account string `koanf:"account"`
	// Config values, checked against the manifest's config schema.
	Config map[string]any `koanf:"config"`
	// Grants narrows what the manifest declares, section by section (a
	// section left out keeps the manifest's; kv stays), and grants.extend
	// adds to it; see runner.EffectiveGrant. Nil grants what it declares.
	Grants map[string]any `koanf:"grants" strict:"grant"`
	// Triggers overrides the manifest's triggers when set.
	Triggers []map[string]any `koanf:"triggers"`
	// Concurrency caps the plugin's simultaneous runs over all nodes
	// sharing the NATS (0: no cap beyond each node's instance pool).
	Concurrency int `koanf:"concurrency"`
}

// FieldError is a config error at a key path.
type FieldError struct {
	Path   string // e.g. "accounts.work.type"
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("config: %s: %s", e.Path, e.Reason) }

// Default returns the built-in defaults.
func Default() *Config {
	return &Config{
		DataDir:  "wasmdrive-data",
		LogLevel: "info",
		Console:  Console{Addr: "127.0.0.1:8377"},
		NATS:     NATS{Replicas: 1, LogsMaxBytes: DefaultLogsMaxBytes, EventsMaxBytes: DefaultEventsMaxBytes},
	}
}

// Load reads path (optional; "" skips the file), the environment and
// overrides (flat koanf keys, e.g. "data_dir"), and validates the result.
func Load(path string, environ []string, overrides map[string]any) (*Config, error) {
	k := koanf.New(".")
	var strict []error
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("config: %w (create it, or drop --config to use defaults)", err)
		}
		fk := koanf.New(".")
		if err := fk.Load(file.Provider(path), yaml.Parser()); err != nil {
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
		strict = append(strict, checkKeys(fk.Raw(), nil)...)
		if err := k.Merge(fk); err != nil {
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if environ == nil {
		environ = os.Environ()
	}
	envp := env.Provider(".", env.Opt{
		Prefix:        EnvPrefix,
		EnvironFunc:   func() []string { return environ },
		TransformFunc: envKey,
	})
	ek := koanf.New(".")
	if err := ek.Load(envp, nil); err != nil {
		return nil, fmt.Errorf("config: environment: %w", err)
	}
	strict = append(strict, checkKeys(ek.Raw(), envName)...)
	if len(strict) > 0 {
		return nil, errors.Join(strict...)
	}
	if err := k.Merge(ek); err != nil {
		return nil, fmt.Errorf("config: environment: %w", err)
	}
	for key, v := range overrides {
		if err := k.Set(key, v); err != nil {
			return nil, fmt.Errorf("config: %s: %w", key, err)
		}
	}
	cfg := Default()
	if err := k.UnmarshalWithConf("", cfg, koanf.UnmarshalConf{Tag: "koanf", FlatPaths: false}); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// envKey maps WASMDRIVE_NATS__URL to nats.url; it skips the variables
// that are not config (WASMDRIVE_CONFIG, WASMDRIVE_SOURCE).
func envKey(k, v string) (string, any) {
	if slices.Contains(nonConfigEnv, k) {
		return "", nil
	}
	k = strings.TrimPrefix(k, EnvPrefix)
	return strings.ReplaceAll(strings.ToLower(k), "__", "."), v
}

// envName names the environment variable that sets path, for messages.
func envName(path string) string {
	return " (from " + EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "__")) + ")"
}

// Validate checks every field and fills derived defaults. It returns a
// *FieldError (or several joined) naming the key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, &FieldError{Path: path, Reason: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "must not be empty")
	} else if abs, err := filepath.Abs(c.DataDir); err != nil {
		bad("data_dir", "cannot make %q absolute: %v", c.DataDir, err)
	} else {
		// Absolute, so paths derived from it stay right whatever the
		// working directory of a child process (plugin builds, servers).
		c.DataDir = abs
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	if len(c.Accounts) == 0 {
		c.Accounts = map[string]Account{"default": {Type: "local"}}
	}
	names := make([]string, 0, len(c.Accounts))
	for n := range c.Accounts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := c.Accounts[n]
		p := "accounts." + n
		if !validName(n) {
			bad(p, "account name must be letters, digits, '-' or '_'")
		}
		switch a.Type {
		case "", "local":
			a.Type = "local"
			if a.Dir == "" {
				a.Dir = filepath.Join(c.DataDir, "drives", n)
			}
			if a.QuotaBytes < 0 {
				bad(p+".quota_bytes", "must be ≥ 0")
			}
			if a.UploadSessionTTL < 0 {
				bad(p+".upload_session_ttl", "must be ≥ 0 (0: 24h)")
			}
		case "aliyun":
			if a.ClientID == "" {
				bad(p+".client_id", "required for an aliyun account (the Open Platform app id)")
			}
			if a.BaseURL == "" {
				a.BaseURL = "https://openapi.alipan.com"
			}
			if a.TokenFile == "" {
				a.TokenFile = filepath.Join(c.DataDir, "tokens", n+".json")
			}
			if a.RateLimit < 0 {
				bad(p+".rate_limit", "must be ≥ 0")
			}
		default:
			bad(p+".type", "%q is not local or aliyun", a.Type)
		}
		c.Accounts[n] = a
	}
	if c.DefaultAccount == "" {
		if _, ok := c.Accounts["default"]; ok {
			c.DefaultAccount = "default"
		} else if len(names) > 0 {
			c.DefaultAccount = names[0]
		}
	} else if _, ok := c.Accounts[c.DefaultAccount]; !ok {
		bad("default_account", "no account named %q (have %s)", c.DefaultAccount, strings.Join(names, ", "))
	}
	if c.NATS.Replicas == 0 {
		c.NATS.Replicas = 1
	}
	if c.NATS.Replicas < 0 || c.NATS.Replicas > 5 {
		bad("nats.replicas", "must be 1..5")
	}
	c.NATS.validateSizes(bad)
	if c.NATS.URL != "" && !strings.Contains(c.NATS.URL, "://") {
		bad("nats.url", "is not a URL like nats://host:4222") // the value may hold a password: not echoed
	}
	if c.Plugins.MaxTriggerDepth == 0 {
		c.Plugins.MaxTriggerDepth = DefaultMaxTriggerDepth
	}
	if c.Plugins.MaxTriggerDepth < 0 {
		bad("plugins.max_trigger_depth", "must be ≥ 1 (the runs one chain of subject triggers may hold; default %d)", DefaultMaxTriggerDepth)
	}
	c.applyBuiltinDefaults()
	for pn, pc := range c.Plugins.Enabled {
		if pc.Account != "" {
			if _, ok := c.Accounts[pc.Account]; !ok {
				bad("plugins.enabled."+pn+".account", "no account named %q", pc.Account)
			}
		}
	}
	if c.NodeName == "" {
		h, _ := os.Hostname()
		c.NodeName = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	return errors.Join(errs...)
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ParseDuration is time.ParseDuration that also accepts a bare number of seconds.
func ParseDuration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	var n float64
	if _, err := fmt.Sscanf(s, "%g", &n); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("%q is not a duration like 30s or 5m", s)
}

// validateSizes checks the stream and bucket sizes (bytes).
func (n *NATS) validateSizes(bad func(path, format string, args ...any)) {
	for _, f := range []struct {
		key  string
		v    *int64
		def  int64
		zero bool // 0 allowed: no cap
	}{
		{"nats.logs_max_bytes", &n.LogsMaxBytes, DefaultLogsMaxBytes, false},
		{"nats.events_max_bytes", &n.EventsMaxBytes, DefaultEventsMaxBytes, false},
		{"nats.kv_max_bytes", &n.KVMaxBytes, 0, true},
	} {
		switch {
		case *f.v == 0 && !f.zero:
			*f.v = f.def
		case *f.v < 0 || *f.v > 0 && *f.v < minStreamBytes:
			hint := ""
			if f.zero {
				hint = ", or 0 for no cap"
			}
			bad(f.key, "%d bytes: must be at least %d (1 MiB)%s", *f.v, minStreamBytes, hint)
		}
	}
	switch {
	case n.MaxStore < 0:
		bad("nats.max_store", "must be ≥ 0 (0: 75%% of the free disk space)")
	case n.MaxStore > 0 && n.MaxStore < n.Reserved():
		bad("nats.max_store", "%d bytes cannot hold what the streams reserve (%d: nats.logs_max_bytes + nats.events_max_bytes + 2 × nats.kv_max_bytes); raise it or lower those", n.MaxStore, n.Reserved())
	}
}
