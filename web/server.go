// Package web is wasmdrive's console: one embedded page (runs, live logs,
// plugins, drives), a small JSON API under /api/ (see API.md) and a
// websocket hub that fans out the RunService's watches to browsers.
//
// Mount it as an http.Handler:
//
//	srv, err := web.New(web.Options{
//		Runs:     runs,            // contract.RunService (JetStream in serve)
//		Drives:   drives,          // optional: per-account drive info
//		Token:    cfg.Console.Token.Value(),
//		BindAddr: cfg.Console.Addr, // decides whether a token is mandatory
//		Logger:   logger,
//	})
//	if err != nil { ... }
//	defer srv.Close()
//	err = srv.ListenAndServe(ctx, cfg.Console.Addr) // until ctx ends
//
// The console holds no state of its own: every run, log line and plugin
// comes from the RunService.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// Drives gives the console read-only access to the configured accounts'
// drives (space used and a folder browser).
type Drives interface {
	// Accounts lists the account names, in display order.
	Accounts() []string
	// Open returns the named account's drive.
	Open(name string) (drive.Drive, error)
}

// Options configures a Server. Runs is required; the rest have defaults.
type Options struct {
	// Runs is where runs, logs and plugins come from.
	Runs contract.RunService
	// Drives, if set, enables the Drive page and /api/drives.
	Drives Drives
	// Token, if set, is required on every request (Bearer header, or the
	// cookie set by visiting /?token=...). It is mandatory when BindAddr
	// is not a loopback address.
	Token string
	// BindAddr is the address the console listens on ("127.0.0.1:8377").
	// Empty means loopback.
	BindAddr string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Clock defaults to time.Now; the page uses the server's clock for
	// countdowns and durations.
	Clock func() time.Time
	// LogRing is how many recent lines each watched log keeps for
	// subscribers to pull from (default 4096). A client that has caught up
	// and then falls further behind than this is evicted.
	LogRing int
	// SendBuffer bounds each client's queue of pushed frames (run changes);
	// a client whose queue is full is evicted (default 256).
	SendBuffer int
	// WriteTimeout bounds one websocket write; a client whose socket takes
	// no data for this long is evicted (default 10 s).
	WriteTimeout time.Duration
}

// Server is the console. It is an http.Handler; Close stops its watches.
type Server struct {
	opts     Options
	log      *slog.Logger
	now      func() time.Time
	hub      *hub
	mux      *http.ServeMux
	csrf     string
	loopback bool
	assets   *assets
}

// New checks opts and builds a Server. It refuses a non-loopback BindAddr
// without a Token.
func New(opts Options) (*Server, error) {
	if opts.Runs == nil {
		return nil, errors.New("console: Options.Runs is required")
	}
	loop, err := isLoopbackAddr(opts.BindAddr)
	if err != nil {
		return nil, err
	}
	if !loop && opts.Token == "" {
		return nil, fmt.Errorf("console: listening on %s (not loopback) requires a token: set console.token in the config or WASMDRIVE_CONSOLE__TOKEN", opts.BindAddr)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.LogRing <= 0 {
		opts.LogRing = 4096
	}
	if opts.SendBuffer <= 0 {
		opts.SendBuffer = 256
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("console: csrf token: %w", err)
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: opts, log: opts.Logger, now: opts.Clock,
		hub:      newHub(opts.Runs, opts.Logger, opts.LogRing, opts.SendBuffer, opts.WriteTimeout),
		mux:      http.NewServeMux(),
		csrf:     hex.EncodeToString(b[:]),
		loopback: loop,
		assets:   a,
	}
	s.routes()
	return s, nil
}

// isLoopbackAddr reports whether addr ("host:port", ":port" or "") only
// accepts connections from this machine.
func isLoopbackAddr(addr string) (bool, error) {
	if addr == "" {
		return true, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("console: bind address %q: %w (want host:port, e.g. 127.0.0.1:8377)", addr, err)
	}
	return isLoopbackHost(host), nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.handleIndex)
	m.HandleFunc("GET /static/{file}", s.assets.serve)
	m.HandleFunc("GET /ws", func(w http.ResponseWriter, r *http.Request) { s.hub.serveWS(w, r, s.now) })
	m.HandleFunc("GET /api/health", s.handleHealth)
	m.HandleFunc("GET /api/stats", s.handleStats)
	m.HandleFunc("GET /api/runs", s.handleRuns)
	m.HandleFunc("GET /api/runs/{id}", s.handleRun)
	m.HandleFunc("GET /api/runs/{id}/logs", s.handleLogs)
	m.HandleFunc("GET /api/runs/{id}/log.txt", s.handleLogText)
	m.HandleFunc("GET /api/runs/{id}/log.jsonl", s.handleLogJSONL)
	m.HandleFunc("POST /api/runs/{id}/retry", s.handleRetry)
	m.HandleFunc("POST /api/runs/{id}/cancel", s.handleCancel)
	m.HandleFunc("GET /api/plugins", s.handlePlugins)
	m.HandleFunc("POST /api/plugins/{name}/run", s.handleRunNow)
	m.HandleFunc("POST /api/plugins/{name}/enable", s.handleEnable(true))
	m.HandleFunc("POST /api/plugins/{name}/disable", s.handleEnable(false))
	m.HandleFunc("GET /api/drives", s.handleDrives)
	m.HandleFunc("GET /api/drives/{account}/list", s.handleDriveList)
	m.HandleFunc("GET /api/drives/{account}/shares", s.handleShares)
	m.HandleFunc("POST /api/drives/{account}/shares/{id}/cancel", s.handleShareCancel)
	m.HandleFunc("GET /s/", s.handleSharePage)
}

// ServeHTTP applies the security headers and access control, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if !s.authorize(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// csp allows only the page's own scripts, styles and websocket; no inline
// script or style, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Stats reports the websocket hub's counters.
func (s *Server) Stats() Stats { return s.hub.snapshot() }

// Close disconnects every websocket client and stops every watch.
func (s *Server) Close() error {
	s.hub.close()
	return nil
}

// ListenAndServe listens on addr and serves until ctx ends, then shuts down
// gracefully (5 s for requests in flight) and closes s.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("console: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, like ListenAndServe.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("console: serving", "addr", ln.Addr().String(), "token", s.opts.Token != "")
	select {
	case err := <-errc:
		s.Close()
		return fmt.Errorf("console: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Close() // websockets are hijacked: Shutdown does not wait for them
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("console: shutdown: %w", err)
	}
	return nil
}
