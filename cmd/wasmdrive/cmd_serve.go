package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/app"
	"github.com/wasmdrive/wasmdrive/internal/redact"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner/trigger"
)

func init() {
	register(&command{name: "serve", usage: "[--console ADDR] [--nats-listen ADDR] [--node NAME] [--grace D]",
		summary: "run the service: NATS, drive, plugins, triggers, workers and the web console", run: runServe})
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	consoleAddr := fs.String("console", "", "console address (default: config console.addr, 127.0.0.1:8377)")
	natsListen := fs.String("nats-listen", "", "let the embedded NATS listen here (default: config nats.listen, else a token-protected loopback port)")
	node := fs.String("node", "", "node name (default: config node_name, hostname-pid)")
	grace := fs.Duration("grace", 10*time.Second, "how long running plugins may finish after Ctrl-C")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	if *natsListen != "" {
		cfg.NATS.Listen = *natsListen
	}
	if *node != "" {
		cfg.NodeName = *node
	}
	// The lock, not serve.json's PID, says whether a serve runs here: a
	// restart right after kill -9 must not be refused.
	switch lock, err := app.LockServe(cfg.DataDir); {
	case err == nil:
		defer lock.Close()
	case errors.Is(err, app.ErrServeRunning) && cfg.NATS.URL == "":
		who := ""
		if si, ok := app.ReadServeInfo(cfg.DataDir); ok {
			who = fmt.Sprintf(" (pid %d)", si.PID)
		}
		return fmt.Errorf("another wasmdrive serve%s already runs on %s; use another --data, or start more nodes against a shared NATS with nats.url", who, cfg.DataDir)
	case errors.Is(err, app.ErrServeRunning):
		// Nodes of a shared NATS may share a data folder.
	default:
		return err
	}
	if src, _ := cfg.Plugins.Enabled["backup"].Config["source"].(string); src == cfg.InboxDir() {
		// The default backup mirrors the inbox: make sure it exists.
		if err := os.MkdirAll(src, 0o700); err != nil {
			return fmt.Errorf("create the backup inbox: %w", err)
		}
	}
	level := slog.LevelInfo
	if env.Verbose || cfg.LogLevel == "debug" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: redact.ReplaceAttr}))
	if cfg.NATS.URL == "" && cfg.NATS.Listen == "" {
		// A loopback control port so `wasmdrive trigger/runs/doctor` reach
		// this node. Like every listener of the embedded NATS it requires a
		// token (nats.token, else DataDir/nats.token); CLI commands find it
		// in DataDir/serve.json (mode 0600).
		cfg.NATS.Listen = "127.0.0.1:-1"
	}
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: log, ConsoleAddr: *consoleAddr, Grace: *grace, OnPluginBuild: buildNotice(env.Stderr)})
	if err != nil {
		return err
	}
	info := app.ServeInfo{PID: os.Getpid(), Node: cfg.NodeName, NATSURL: a.Conn.URL, Console: a.ConsoleURL()}
	if a.Conn.Embedded() {
		info.Token = a.Conn.Token()
	}
	if err := app.WriteServeInfo(cfg.DataDir, info); err != nil {
		a.Close()
		return err
	}
	defer os.Remove(app.ServeInfoPath(cfg.DataDir))
	printBanner(env, a, info)
	err = a.Run(ctx)
	fmt.Fprintln(env.Stderr, "wasmdrive: stopped; unfinished runs stay queued for the next node")
	return err
}

func printBanner(env *cliEnv, a *app.App, info app.ServeInfo) {
	w := env.Stderr
	fmt.Fprintf(w, "wasmdrive serving as node %s (data %s)\n", a.Cfg.NodeName, a.Cfg.DataDir)
	if info.Console != "" {
		fmt.Fprintf(w, "  console:   %s\n", info.Console)
	} else {
		fmt.Fprintln(w, "  console:   disabled")
	}
	// The banner never prints a secret: it says where the token is.
	switch {
	case a.Cfg.NATS.URL != "":
		fmt.Fprintf(w, "  NATS:      %s (shared with other nodes)\n", natsx.RedactURL(a.Cfg.NATS.URL))
	case info.NATSURL != "" && a.Conn.TokenFile != "":
		fmt.Fprintf(w, "  NATS:      embedded, listening on %s (clients need the token in %s)\n", info.NATSURL, a.Conn.TokenFile)
	case info.NATSURL != "":
		fmt.Fprintf(w, "  NATS:      embedded, listening on %s (clients need the token of nats.token)\n", info.NATSURL)
	default:
		fmt.Fprintln(w, "  NATS:      embedded, in process only")
	}
	var names []string
	ps, _ := a.Service.Plugins(context.Background())
	for _, p := range ps {
		if p.Enabled && p.Error == "" {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		fmt.Fprintln(w, "  plugins:   none enabled (list them under plugins.enabled in the config; see `wasmdrive plugin list`)")
	} else {
		fmt.Fprintf(w, "  plugins:   %s\n", strings.Join(names, ", "))
	}
	if src, _ := a.Cfg.Plugins.Enabled["backup"].Config["source"].(string); src == a.Cfg.InboxDir() {
		fmt.Fprintf(w, "  inbox:     files dropped in %s are backed up to the drive's /Backup/inbox\n", src)
	}
	for _, s := range a.Schedules {
		fmt.Fprintf(w, "  schedule:  %s %q (%s), next %s\n", s.ID, s.Spec, s.Loc, s.Next(time.Now()).Local().Format(time.RFC3339))
	}
	for _, s := range a.Subjects {
		fmt.Fprintf(w, "  subject:   %s on %s\n", s.ID, s.Subject)
	}
	fmt.Fprintln(w, "  run one:   wasmdrive trigger PLUGIN --input '{...}'   (then: wasmdrive runs list)")
	subj := trigger.DriveEventSubject(a.Cfg.DefaultAccount, trigger.KindUploaded)
	if len(a.Subjects) > 0 {
		subj = a.Subjects[0].Subject
	}
	url := natsx.RedactURL(info.NATSURL)
	switch {
	case !a.Conn.Embedded() || url == "":
	case a.Conn.TokenFile != "":
		url = `"nats://$(cat '` + a.Conn.TokenFile + `')@` + strings.TrimPrefix(url, "nats://") + `"`
	case a.Conn.Token() != "":
		url = "nats://NATS_TOKEN@" + strings.TrimPrefix(url, "nats://")
	}
	if url != "" {
		fmt.Fprintf(w, "  event:     nats --server %s pub %s '{\"path\":\"/inbox/a.txt\"}'\n", url, subj)
	}
	fmt.Fprintln(w, "Ctrl-C stops: running plugins get the grace period, unfinished runs stay queued.")
}

// buildNotice returns the progress line serve prints before a plugin build
// that is not cached, so a first start is not silent (issue 15).
func buildNotice(w io.Writer) func(dir string) {
	var mu sync.Mutex
	return func(dir string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "wasmdrive: building plugin %s (first start only; later starts use the cache)…\n", filepath.Base(dir))
	}
}
