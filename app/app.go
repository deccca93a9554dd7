// Package app assembles a wasmdrive service node: config → accounts →
// NATS → run queue → plugin host → triggers → workers → console. `wasmdrive
// serve` is New + Run; tests and benchmarks build nodes the same way.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/batch"
	"github.com/wasmdrive/wasmdrive/runner/build"
	"github.com/wasmdrive/wasmdrive/runner/jskv"
	"github.com/wasmdrive/wasmdrive/runner/queue"
	"github.com/wasmdrive/wasmdrive/runner/trigger"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Options build a node. Only Config is required.
type Options struct {
	Config *config.Config
	Logger *slog.Logger
	// Clock drives schedules (tests inject trigger.Fake; nil: wall clock).
	Clock trigger.Clock
	// Queue tunes the run queue (AckWait, LeaseTTL...); Node defaults to
	// Config.NodeName.
	Queue queue.Options
	// Slots is how many runs this node executes at once (default 8).
	Slots int
	// Grace is how long a stopping node lets running plugins finish before
	// cancelling them and handing their runs back to the queue (default 10s).
	Grace time.Duration
	// Caller, if set, replaces the plugin host for runs (tests, benchmarks);
	// the host is still loaded for plugin info and triggers.
	Caller runner.Caller
	// WrapCaller, if set, wraps the caller of runs (benchmarks time plugin
	// entry with it).
	WrapCaller func(runner.Caller) runner.Caller
	// NoConsole skips the web console.
	NoConsole bool
	// ConsoleAddr overrides Config.Console.Addr ("127.0.0.1:0" in tests).
	ConsoleAddr string
	// NATSToken protects the embedded server's loopback listener.
	NATSToken string
	// PluginCacheDir overrides where compiled plugins are cached (default
	// DataDir/cache; tests share one across data folders).
	PluginCacheDir string
	// PluginBuilder overrides the plugin source builder (tests share a
	// build cache across data folders).
	PluginBuilder *build.Builder
	// OnPluginBuild, when set (and PluginBuilder is not), is called with a
	// plugin folder before a build that is not cached (a progress line).
	OnPluginBuild func(dir string)
}

// App is one assembled node.
type App struct {
	Cfg       *config.Config
	Log       *slog.Logger
	Conn      *natsx.Conn
	Queue     *queue.Queue
	Service   *queue.Service
	Host      *runner.Host
	Drives    *accounts.Registry
	Emitter   *trigger.Emitter
	Router    *trigger.Router
	Scheduler *trigger.Scheduler
	Batch     *batch.Executor
	Worker    *queue.Worker
	KV        *jskv.KV
	Schedules []*trigger.Schedule
	Subjects  []*trigger.SubjectTrigger

	opts       Options
	pluginConn *natsx.Conn // plugin publishes (natsx.Conn.PluginClient)
	audit      *hostfuncs.AuditLog
	console    *consoleServer
	enabled    *enabledSync
}

// New assembles a node; Run starts it. On error everything opened is closed.
func New(ctx context.Context, o Options) (_ *App, err error) {
	if o.Config == nil {
		return nil, errors.New("app: no config")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	cfg := o.Config
	a := &App{Cfg: cfg, Log: o.Logger, opts: o}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	a.Drives = accounts.NewRegistry(cfg, o.Logger)
	// Ports first, plugin builds later: a busy console port fails at once.
	var consoleLn net.Listener
	if !o.NoConsole && !cfg.Console.Disabled {
		if consoleLn, err = listenConsole(cfg, o); err != nil {
			return nil, err
		}
		defer func() {
			if a.console == nil {
				_ = consoleLn.Close()
			}
		}()
	}
	if a.audit, err = hostfuncs.OpenAuditLog(filepath.Join(cfg.DataDir, "audit.jsonl")); err != nil {
		return nil, err
	}
	if a.Conn, err = natsx.Open(ctx, natsx.Options{NATS: cfg.NATS, DataDir: cfg.DataDir, Name: cfg.NodeName, Token: o.NATSToken, OnRefused: a.auditRefusedClient}); err != nil {
		return nil, err
	}
	qo := o.Queue
	if qo.Node == "" {
		qo.Node = cfg.NodeName
	}
	qo.Logger = o.Logger
	qo.LogMaxBytes, qo.EventsMaxBytes, qo.KVMaxBytes = cmp.Or(qo.LogMaxBytes, cfg.NATS.LogsMaxBytes), cmp.Or(qo.EventsMaxBytes, cfg.NATS.EventsMaxBytes), cmp.Or(qo.KVMaxBytes, cfg.NATS.KVMaxBytes)
	if a.Queue, err = queue.Setup(ctx, a.Conn, qo); err != nil {
		return nil, err
	}
	if a.KV, err = jskv.Open(ctx, a.Conn.JS, jskv.Bucket, a.Conn.Replicas, cfg.NATS.KVMaxBytes); err != nil {
		return nil, err
	}
	if a.Batch, err = batch.New(ctx, a.Queue, batch.DriveApplier{Drives: a.drive}, batch.Options{Logger: o.Logger, Audit: a.audit}); err != nil {
		return nil, err
	}
	enabledKV, err := OpenEnabledBucket(ctx, a.Conn)
	if err != nil {
		return nil, err
	}
	a.enabled = &enabledSync{kv: enabledKV, node: cfg.NodeName, log: o.Logger, last: map[string]bool{}}
	// Plugin events go through a NATS user the embedded server refuses
	// every reserved subject (defence in depth behind the emitter's check).
	if a.pluginConn, err = a.Conn.PluginClient(cfg.NodeName + "-plugins"); err != nil {
		return nil, err
	}
	// The emitter learns the event stream's subjects once the router exists.
	a.Emitter = trigger.NewEmitter(a.Conn, func(s string) bool { return a.Router != nil && a.Router.Captures(s) }).WithPluginConn(a.pluginConn)
	if o.PluginBuilder == nil && o.OnPluginBuild != nil {
		o.PluginBuilder = &build.Builder{CacheDir: filepath.Join(cmp.Or(o.PluginCacheDir, cfg.DataDir), "cache", "build"), OnBuild: o.OnPluginBuild}
	}
	if a.Host, err = runner.New(ctx, runner.Options{
		Config: cfg, Drives: a.drive, KV: a.KV, Emitter: a.Emitter, Audit: a.audit, Batcher: a.Batch,
		Builder: o.PluginBuilder, DataDir: o.PluginCacheDir, OnChange: a.enabled.reapply,
	}); err != nil {
		return nil, fmt.Errorf("app: plugin host: %w", err)
	}
	a.enabled.attach(a.Host)
	if err := a.enabled.sync(ctx); err != nil {
		return nil, err
	}
	if err := a.loadTriggers(ctx); err != nil {
		return nil, err
	}
	if a.Router, err = trigger.NewRouter(ctx, a.Conn, a.Queue, a.Subjects, o.Logger); err != nil {
		return nil, err
	}
	a.Router.Enabled = a.pluginEnabled
	a.Router.MaxDepth = cfg.Plugins.MaxTriggerDepth
	a.logStorage(ctx)
	a.Scheduler = trigger.NewScheduler(a.Queue, a.Schedules, o.Clock, o.Logger)
	a.Scheduler.Enabled = a.pluginEnabled
	a.Service = &queue.Service{Q: a.Queue, Catalog: catalog{host: a.Host, sync: a.enabled}, Schedules: a.Scheduler.Info}
	var caller runner.Caller = hostCaller{a.Host}
	if o.Caller != nil {
		caller = o.Caller
	}
	if o.WrapCaller != nil {
		caller = o.WrapCaller(caller)
	}
	a.Worker = queue.NewWorker(a.Queue, caller, queue.WorkerOptions{Slots: o.Slots, Policy: a.policy, Grace: o.Grace})
	if !o.NoConsole && !cfg.Console.Disabled {
		if a.console, err = newConsole(a, o, consoleLn); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// drive resolves an account to its drive, wrapped so changes made through
// it publish drive events (trigger.DriveEventSubject).
func (a *App) drive(ctx context.Context, account string) (drive.Drive, error) {
	if account == "" {
		account = a.Cfg.DefaultAccount
	}
	d, err := a.Drives.Get(account)
	if err != nil {
		return nil, err
	}
	return trigger.WatchDrive(d, account, func(ctx context.Context, subject string, data []byte) error {
		return a.Emitter.PublishDriveEvent(ctx, subject, data)
	}, a.Log), nil
}

// pluginEnabled tells the router and the scheduler whether plugin's
// triggers fire now (an operator may have turned it off on any node). A
// plugin this node does not load is left to the worker to report.
func (a *App) pluginEnabled(plugin string) bool {
	l, err := a.Host.Loaded(plugin)
	return err != nil || l.Enabled
}

// loadTriggers validates the plugins the config enables and their
// triggers (checkPlugins, which doctor runs too); a bad one fails the start
// with the plugin and field named.
func (a *App) loadTriggers(ctx context.Context) error {
	var err error
	a.Schedules, a.Subjects, err = checkPlugins(ctx, a.Cfg, a.Host, a.Log)
	return err
}

// policy derives a plugin's queue policy from its manifest limits
// (retries, backoff) and the operator's plugins.enabled.NAME.concurrency
// (the cluster-wide cap, enforced with leases).
func (a *App) policy(plugin string) queue.Policy {
	p := queue.DefaultPolicy()
	if c := a.Cfg.Plugins.Enabled[plugin].Concurrency; c > 0 {
		p.MaxConcurrency = c
	}
	l, err := a.Host.Loaded(plugin)
	if err != nil || l.Manifest == nil {
		return p
	}
	lim := l.Manifest.Limits
	if lim.Retries > 0 {
		p.MaxAttempts = lim.Retries + 1
	}
	if lim.Backoff > 0 {
		b := lim.Backoff.D()
		p.Backoff = []time.Duration{b, 4 * b, 16 * b}
	}
	return p
}

// hostCaller marks errors retrying cannot fix as permanent.
type hostCaller struct{ h *runner.Host }

func (c hostCaller) Call(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (*runner.CallResult, error) {
	res, err := c.h.Call(ctx, req, sink)
	if errors.Is(err, runner.ErrUnknownPlugin) || errors.Is(err, runner.ErrDisabled) || errors.Is(err, runner.ErrLimit) {
		return res, queue.Permanent(err)
	}
	return res, err
}

// Close releases everything New opened (Run calls it when it returns).
func (a *App) Close() {
	if a.console != nil {
		a.console.close()
	}
	if a.Host != nil {
		_ = a.Host.Close()
	}
	if a.pluginConn != nil && a.pluginConn != a.Conn {
		a.pluginConn.Close()
	}
	if a.Conn != nil {
		a.Conn.Close()
	}
	if a.Drives != nil {
		_ = a.Drives.Close()
	}
	if a.audit != nil {
		_ = a.audit.Close()
	}
}

// auditRefusedClient writes a NATS client the embedded server refused (no
// or a wrong token) to the audit log.
func (a *App) auditRefusedClient(remote string) {
	err := a.audit.Append(hostfuncs.AuditRecord{
		Time: time.Now().UTC(), Op: AuditOpNATSConnect, Target: remote,
		Result: abi.CodePermissionDenied, Message: "NATS client refused: no valid token (nats.token or the data folder's nats.token)",
	})
	if err != nil {
		a.Log.Warn("audit a refused NATS client", "remote", remote, "err", err)
	}
}

// AuditOpNATSConnect is the audit log's op of a NATS connection the
// embedded server refused.
const AuditOpNATSConnect = "nats.connect"
