// Package accounts opens the drive accounts named in the configuration:
// "local" accounts are embedded drives (drive/local) in a data folder,
// "aliyun" accounts are Open Platform clients (drive/aliyun) whose OAuth
// tokens live in a token file written by `wasmdrive login`.
package accounts

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/aliyun"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// Account types.
const (
	TypeLocal  = "local"
	TypeAliyun = "aliyun"
)

// Lookup returns the configured account name ("" means the default
// account) and its settings, or an error that lists the accounts there are.
func Lookup(cfg *config.Config, name string) (string, config.Account, error) {
	if name == "" {
		name = cfg.DefaultAccount
	}
	a, ok := cfg.Accounts[name]
	if !ok {
		return name, a, fmt.Errorf("no account named %q (configured: %s); add it under accounts: in the config file",
			name, strings.Join(Names(cfg), ", "))
	}
	return name, a, nil
}

// Names lists the configured account names, sorted.
func Names(cfg *config.Config) []string {
	names := make([]string, 0, len(cfg.Accounts))
	for n := range cfg.Accounts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open opens the account name ("" = the default account). The caller
// closes the drive (it implements io.Closer) when done; a Registry does that
// for drives shared by a process.
func Open(cfg *config.Config, name string) (drive.Drive, error) {
	return open(cfg, name, nil)
}

// OpenReadOnly is Open for commands that only read: a local drive then
// does no cleanup at open (no blob garbage collection, no removal of
// upload sessions).
func OpenReadOnly(cfg *config.Config, name string) (drive.Drive, error) {
	return openWith(cfg, name, nil, true)
}

func open(cfg *config.Config, name string, log *slog.Logger) (drive.Drive, error) {
	return openWith(cfg, name, log, false)
}

func openWith(cfg *config.Config, name string, log *slog.Logger, readOnly bool) (drive.Drive, error) {
	name, a, err := Lookup(cfg, name)
	if err != nil {
		return nil, err
	}
	switch a.Type {
	case "", TypeLocal:
		dir := a.Dir
		if dir == "" {
			return nil, fmt.Errorf("account %s: no data folder (set accounts.%s.dir)", name, name)
		}
		d, err := local.Open(dir, local.Options{QuotaBytes: a.QuotaBytes, UserName: name, Logger: log, ReadOnly: readOnly,
			SessionTTL: a.UploadSessionTTL})
		if err != nil {
			return nil, fmt.Errorf("account %s: open local drive in %s: %w", name, dir, err)
		}
		if !cfg.Console.Disabled && cfg.Console.Addr != "" {
			d.SetShareBase(ConsoleURL(cfg.Console.Addr)) // `serve` serves the share pages
		}
		return d, nil
	case TypeAliyun:
		c, err := aliyun.New(aliyun.Options{
			Account:      name,
			BaseURL:      a.BaseURL,
			ClientID:     a.ClientID,
			ClientSecret: string(a.ClientSecret),
			TokenFile:    a.TokenFile,
			RateLimit:    a.RateLimit,
			Logger:       log,
		})
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", name, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("account %s: type %q is not local or aliyun (fix accounts.%s.type)", name, a.Type, name)
}

// Registry opens each account once and shares it; Close closes them all.
// It is safe for concurrent use.
type Registry struct {
	cfg *config.Config
	log *slog.Logger

	mu     sync.Mutex
	drives map[string]drive.Drive
	closed bool
}

// NewRegistry returns a registry over cfg's accounts; log may be nil.
func NewRegistry(cfg *config.Config, log *slog.Logger) *Registry {
	return &Registry{cfg: cfg, log: log, drives: map[string]drive.Drive{}}
}

// Get returns the drive of account name ("" = default), opening it on
// first use.
func (r *Registry) Get(name string) (drive.Drive, error) {
	if name == "" {
		name = r.cfg.DefaultAccount
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errors.New("accounts: registry is closed")
	}
	if d, ok := r.drives[name]; ok {
		return d, nil
	}
	d, err := open(r.cfg, name, r.log)
	if err != nil {
		return nil, err
	}
	r.drives[name] = d
	return d, nil
}

// Close closes every opened drive and returns their errors joined.
func (r *Registry) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	var errs []error
	for name, d := range r.drives {
		if c, ok := d.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close account %s: %w", name, err))
			}
		}
		delete(r.drives, name)
	}
	return errors.Join(errs...)
}

// ConsoleURL is the base URL a browser on this machine opens for a console
// listening on addr ("127.0.0.1:8377" → "http://127.0.0.1:8377"; an
// unspecified host becomes localhost). Local drives put it in front of
// their share links, whose pages the console serves.
func ConsoleURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
