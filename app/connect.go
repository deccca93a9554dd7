package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// ServeInfo is what a running `wasmdrive serve` writes to
// DataDir/serve.json (mode 0600) so CLI commands on the same machine can
// reach its embedded NATS through the loopback control port.
type ServeInfo struct {
	PID     int    `json:"pid"`
	Node    string `json:"node"`
	NATSURL string `json:"nats_url,omitempty"`
	Token   string `json:"token,omitempty"`
	Console string `json:"console,omitempty"`
}

// ServeInfoPath is where ServeInfo lives.
func ServeInfoPath(dataDir string) string { return filepath.Join(dataDir, "serve.json") }

// WriteServeInfo writes info for CLI commands.
func WriteServeInfo(dataDir string, info ServeInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	tmp := ServeInfoPath(dataDir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("app: write serve info: %w", err)
	}
	return os.Rename(tmp, ServeInfoPath(dataDir))
}

// ReadServeInfo returns the info of a live serve process on dataDir: one
// that holds the serve lock (LockServe). A serve.json whose process died
// (its PID a zombie, or reused by another process) reports false.
func ReadServeInfo(dataDir string) (*ServeInfo, bool) {
	b, err := os.ReadFile(ServeInfoPath(dataDir))
	if err != nil {
		return nil, false
	}
	var si ServeInfo
	if json.Unmarshal(b, &si) != nil || si.PID <= 0 {
		return nil, false
	}
	if !serveLocked(dataDir) {
		return nil, false // stale: that process is gone
	}
	return &si, true
}

// NewToken returns a random token for the embedded server's control port.
func NewToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Client is a CLI's connection to the run queue.
type Client struct {
	Conn    *natsx.Conn
	Queue   *queue.Queue
	Service *queue.Service
	// Where says how it connected, for messages.
	Where string
	// Standalone is true when no node was reachable and the CLI embedded
	// the server on the data folder itself: runs it queues start when
	// `wasmdrive serve` starts.
	Standalone bool
}

// Connect reaches the run queue: nats.url if configured; else the running
// serve on the data folder (serve.json); else the embedded store directly.
func Connect(ctx context.Context, cfg *config.Config) (*Client, error) {
	name := "wasmdrive-cli"
	c := &Client{}
	var err error
	switch si, ok := ReadServeInfo(cfg.DataDir); {
	case cfg.NATS.URL != "":
		c.Conn, err = natsx.Open(ctx, natsx.Options{NATS: cfg.NATS, Name: name})
		c.Where = natsx.RedactURL(cfg.NATS.URL)
	case ok && si.NATSURL != "":
		n := cfg.NATS
		n.URL = si.NATSURL
		c.Conn, err = natsx.Open(ctx, natsx.Options{NATS: n, Name: name, Token: si.Token})
		c.Where = fmt.Sprintf("wasmdrive serve (pid %d) at %s", si.PID, natsx.RedactURL(si.NATSURL))
	default:
		n := cfg.NATS
		n.Listen = ""
		c.Conn, err = natsx.Open(ctx, natsx.Options{NATS: n, DataDir: cfg.DataDir, Name: name})
		c.Where, c.Standalone = "the data folder "+cfg.DataDir+" (no wasmdrive serve running)", true
	}
	if err != nil {
		return nil, err
	}
	if c.Queue, err = queue.Attach(ctx, c.Conn, queue.Options{Node: name}); err != nil {
		c.Conn.Close()
		return nil, err
	}
	c.Service = &queue.Service{Q: c.Queue, Manifests: runner.ManifestCatalog{Config: cfg}}
	if !c.Standalone {
		c.Service.Catalog = RemoteCatalog{NC: c.Conn.NC}
	}
	return c, nil
}

// Close closes the connection (and a standalone embedded server).
func (c *Client) Close() { c.Conn.Close() }
