// Package natsx connects wasmdrive to NATS: it either embeds a nats-server
// with JetStream (the default; its store lives under the data folder) or
// connects to an external server or cluster (config nats.url). Either way the
// caller gets one *Conn with a core connection and a JetStream context.
package natsx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/config"
)

// Options configure Open.
type Options struct {
	// NATS is the config section (URL, creds, listen address, replicas).
	NATS config.NATS
	// DataDir is the data folder; the embedded store is DataDir/nats.
	DataDir string
	// Name is the client (and embedded server) name, e.g. the node name.
	Name string
	// ReadyTimeout bounds the embedded server's start and the connection to
	// an external one (default 10s).
	ReadyTimeout time.Duration
	// Token, if set, is required by the embedded server's listener and sent
	// when connecting to URL (the local control port of `wasmdrive serve`);
	// it overrides NATS.Token. A listener without either uses the data
	// folder's generated token (TokenFile), on loopback only.
	Token string
	// OnRefused, if set, is told of every client the embedded server
	// refuses for a missing or wrong token, with its remote address (for
	// the audit log). It must not block for long.
	OnRefused func(remote string)
}

// Conn is a NATS connection with JetStream; Close shuts an embedded server
// down after the connection drains.
type Conn struct {
	NC       *nats.Conn
	JS       jetstream.JetStream
	Server   *server.Server // nil when connected to an external NATS
	Replicas int
	// URL is the client URL other processes may use ("" when the embedded
	// server is in-process only).
	URL string
	// TokenFile is the file holding the listener's token when it was
	// generated ("" when configured or not listening): print it, never the
	// token.
	TokenFile string

	token       string
	pluginToken string // embedded only: PluginUser's token, never written
}

// Token is the token clients need for URL ("" if none). It is a secret:
// never print it.
func (c *Conn) Token() string { return c.token }

// Open embeds a server (NATS.URL empty) or connects to NATS.URL.
func Open(ctx context.Context, o Options) (*Conn, error) {
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 10 * time.Second
	}
	if o.Name == "" {
		o.Name = "wasmdrive"
	}
	rep := o.NATS.Replicas
	if rep <= 0 {
		rep = 1
	}
	if o.NATS.URL != "" {
		return connectExternal(ctx, o, rep)
	}
	return startEmbedded(o, rep)
}

func connectExternal(ctx context.Context, o Options, rep int) (*Conn, error) {
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.Timeout(o.ReadyTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
	}
	if o.NATS.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.NATS.CredsFile))
	}
	if o.Token == "" {
		o.Token = string(o.NATS.Token)
	}
	if o.Token != "" {
		opts = append(opts, nats.Token(o.Token))
	}
	nc, err := nats.Connect(o.NATS.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("natsx: connect to %s: %w (is the server running? check nats.url and nats.creds_file)", RedactURL(o.NATS.URL), err)
	}
	c, err := newConn(nc, nil, rep)
	if err != nil {
		nc.Close()
		return nil, err
	}
	c.URL, c.token = o.NATS.URL, o.Token
	if err := c.checkJetStream(ctx, o.ReadyTimeout); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func startEmbedded(o Options, rep int) (*Conn, error) {
	if o.DataDir == "" {
		return nil, errors.New("natsx: an embedded server needs a data folder (the JetStream store must not fall back to the temp dir)")
	}
	store := filepath.Join(o.DataDir, "nats")
	if err := os.MkdirAll(store, 0o700); err != nil {
		return nil, fmt.Errorf("natsx: create store %s: %w", store, err)
	}
	var tokenFile string
	sopts := &server.Options{
		ServerName: o.Name,
		JetStream:  true,
		StoreDir:   store,
		DontListen: o.NATS.Listen == "",
		NoSigs:     true,
		NoLog:      true,
	}
	if o.NATS.MaxStore > 0 {
		sopts.JetStreamMaxStore = o.NATS.MaxStore
	}
	if o.NATS.Listen != "" {
		host, port, err := net.SplitHostPort(o.NATS.Listen)
		if err != nil {
			return nil, fmt.Errorf("natsx: nats.listen %q: %w (use host:port, e.g. 127.0.0.1:4222)", o.NATS.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("natsx: nats.listen %q: bad port: %w", o.NATS.Listen, err)
		}
		if o.Token, tokenFile, err = listenToken(o, host); err != nil {
			return nil, err
		}
		sopts.Host, sopts.Port = host, p
	} else if o.Token == "" {
		// In process only: the host's connection still authenticates, so
		// only it holds every permission.
		t, err := newSecret()
		if err != nil {
			return nil, err
		}
		o.Token = t
	}
	pluginToken, err := newSecret()
	if err != nil {
		return nil, err
	}
	sopts.CustomClientAuthentication = &authenticator{token: o.Token, pluginToken: pluginToken, onRefused: o.OnRefused}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("natsx: embedded server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(o.ReadyTimeout) {
		ns.Shutdown()
		return nil, fmt.Errorf("natsx: embedded server not ready after %s (is %s locked by another wasmdrive? is nats.listen %q free?)", o.ReadyTimeout, store, o.NATS.Listen)
	}
	if !ns.JetStreamEnabled() {
		ns.Shutdown()
		return nil, fmt.Errorf("natsx: JetStream failed to start on %s (check free disk space and permissions)", store)
	}
	copts := []nats.Option{nats.InProcessServer(ns), nats.Name(o.Name)}
	if o.Token != "" {
		copts = append(copts, nats.Token(o.Token))
	}
	nc, err := nats.Connect("", copts...)
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("natsx: in-process connection: %w", err)
	}
	c, err := newConn(nc, ns, rep)
	if err != nil {
		nc.Close()
		ns.Shutdown()
		return nil, err
	}
	c.token, c.TokenFile, c.pluginToken = o.Token, tokenFile, pluginToken
	if o.NATS.Listen != "" {
		c.URL = ns.ClientURL()
	}
	return c, nil
}

func newConn(nc *nats.Conn, ns *server.Server, rep int) (*Conn, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return nil, fmt.Errorf("natsx: jetstream: %w", err)
	}
	return &Conn{NC: nc, JS: js, Server: ns, Replicas: rep}, nil
}

func (c *Conn) checkJetStream(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if _, err := c.JS.AccountInfo(ctx); err != nil {
		return fmt.Errorf("natsx: JetStream not available at %s: %w (start nats-server with -js)", c.NC.ConnectedUrlRedacted(), err)
	}
	return nil
}

// Embedded reports whether this process runs the server.
func (c *Conn) Embedded() bool { return c.Server != nil }

// Close drains the connection and stops an embedded server.
func (c *Conn) Close() {
	if c == nil {
		return
	}
	if c.NC != nil {
		_ = c.NC.Drain()
		deadline := time.Now().Add(5 * time.Second)
		for !c.NC.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		c.NC.Close()
	}
	if c.Server != nil {
		c.Server.Shutdown()
		c.Server.WaitForShutdown()
	}
}

// NewClient opens another connection to the same server (in process for an
// embedded one), e.g. for a second node in one process.
func (c *Conn) NewClient(name string) (*Conn, error) {
	opts := []nats.Option{nats.Name(name)}
	url := c.URL
	if c.Server != nil {
		opts = append(opts, nats.InProcessServer(c.Server))
		url = ""
	}
	if c.token != "" {
		opts = append(opts, nats.Token(c.token))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("natsx: new client: %w", err)
	}
	nc2, err := newConn(nc, nil, c.Replicas)
	if err != nil {
		nc.Close()
		return nil, err
	}
	nc2.URL, nc2.token = c.URL, c.token
	return nc2, nil
}

// PluginClient opens the connection plugin publishes go through. On an
// embedded server it is an in-process client of PluginUser, whom the
// server itself refuses every reserved subject (namespace.Reserved), so an
// internal message cannot come from a plugin even if a check in the host
// were missed. Connected to an external NATS it returns c itself (nil
// error): the host's checks are the only guard there.
func (c *Conn) PluginClient(name string) (*Conn, error) {
	if c.Server == nil || c.pluginToken == "" {
		return c, nil
	}
	nc, err := nats.Connect("", nats.InProcessServer(c.Server), nats.Name(name), nats.Token(c.pluginToken),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		return nil, fmt.Errorf("natsx: plugin client: %w", err)
	}
	pc, err := newConn(nc, nil, c.Replicas)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return pc, nil
}
