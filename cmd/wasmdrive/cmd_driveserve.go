package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

func init() {
	register(&command{name: "drive serve", usage: "[--account NAME | --dir DIR] [--addr 127.0.0.1:8378] [--allow-remote] [--rate N] [--faults SPEC]",
		summary: "serve a local drive over HTTP in the Aliyun Open API dialect", run: runDriveServe})
}

// runDriveServe serves the local drive of an account (or of --dir) and
// prints its URL with a fresh client id, secret and refresh token.
func runDriveServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("drive serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	acct := fs.String("account", "", "local account whose drive to serve (default: the config's default_account)")
	dir := fs.String("dir", "", "serve the local drive in this folder instead of an account's")
	addr := fs.String("addr", "127.0.0.1:8378", "address to listen on")
	allowRemote := fs.Bool("allow-remote", false, "allow an --addr other machines can reach (the drive is a test double with no user login)")
	rateLimit := fs.Float64("rate", 0, "API calls per second before answering 429 with x-retry-after (0: unlimited)")
	realLimits := fs.Bool("real-limits", true, "per-endpoint rates and the download concurrency limit of the real service (false: off)")
	faults := fs.String("faults", "", `faults to inject, e.g. "429:0.1,500:0.05,reset:0.02,latency:5ms,route=/adrive/v1.0/openFile/*"`)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errUsage
	}
	remote, err := checkDriveServeAddr(*addr, *allowRemote)
	if err != nil {
		return err
	}
	fl, seed, err := local.ParseFaults(*faults)
	if err != nil {
		return fmt.Errorf("--faults: %w", err)
	}
	opts := local.Options{}
	if *dir == "" {
		cfg, err := loadConfig(env)
		if err != nil {
			return err
		}
		name, a, err := accounts.Lookup(cfg, *acct)
		if err != nil {
			return withExit(err)
		}
		if a.Type != "" && a.Type != accounts.TypeLocal {
			return fmt.Errorf("account %s is %q, not a local drive: drive serve serves local drives only", name, a.Type)
		}
		*dir, opts.QuotaBytes, opts.UserName, opts.SessionTTL = a.Dir, a.QuotaBytes, name, a.UploadSessionTTL
	}
	d, err := local.Open(*dir, opts)
	if err != nil {
		return withExit(err)
	}
	defer d.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (pick another with --addr)", *addr, err)
	}
	url := "http://" + ln.Addr().String()
	if remote {
		fmt.Fprintf(env.Stderr, "warning: drive serve listens on %s beyond loopback (--allow-remote): %s\n", ln.Addr(), driveServeRisk)
	}
	sopts := local.ServerOptions{PublicURL: url, Faults: fl, FaultSeed: seed, RateLimit: *rateLimit, Burst: max(1, int(*rateLimit))}
	if *realLimits {
		sopts.EndpointRates, sopts.DownloadConcurrency = local.DefaultEndpointRates, local.DefaultDownloadConcurrency
	}
	srv := &http.Server{Handler: local.NewServer(d, sopts),
		ReadHeaderTimeout: 10 * time.Second}
	id, secret, refresh, err := d.NewClientCredentials(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "serving %s at %s\nclient_id:     %s\nclient_secret: %s\nrefresh_token: %s\n", *dir, url, id, secret, refresh)
	if len(fl) > 0 {
		fmt.Fprintf(env.Stdout, "injecting %d fault(s): %s\n", len(fl), *faults)
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	slog.Info("drive serve: listening", "url", url)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// driveServeRisk says why drive serve stays on loopback by default.
const driveServeRisk = "it serves the whole drive over plain HTTP, and its OAuth endpoints are a test double of the real service, so anyone who reaches the address can get a token and read, change and share every file"

// checkDriveServeAddr refuses an address other machines can reach unless
// allowed; it reports whether addr is such an address.
func checkDriveServeAddr(addr string, allow bool) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("--addr %q: %w (use host:port, e.g. 127.0.0.1:8378)", addr, err)
	}
	ip := net.ParseIP(host)
	if host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return false, nil
	}
	if !allow {
		return true, fmt.Errorf("drive serve: --addr %s is not a loopback address: %s; pass --allow-remote to serve it beyond this machine anyway, or listen on 127.0.0.1", addr, driveServeRisk)
	}
	return true, nil
}
