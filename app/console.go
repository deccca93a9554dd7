package app

import (
	"context"
	"fmt"
	"net"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/web"
)

// consoleServer is the web console bound to its listener.
type consoleServer struct {
	srv *web.Server
	ln  net.Listener
}

// consoleDrives gives the console read access to the accounts.
type consoleDrives struct{ a *App }

func (d consoleDrives) Accounts() []string { return accounts.Names(d.a.Cfg) }
func (d consoleDrives) Open(name string) (drive.Drive, error) {
	return d.a.drive(context.Background(), name)
}

// listenConsole binds the console's address; New calls it before any
// plugin is built so a busy port fails the start at once (issue 15).
func listenConsole(cfg *config.Config, o Options) (net.Listener, error) {
	addr := o.ConsoleAddr
	if addr == "" {
		addr = cfg.Console.Addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("app: console: listen on %s: %w (set console.addr to a free address, or console.disabled: true)", addr, err)
	}
	return ln, nil
}

func newConsole(a *App, o Options, ln net.Listener) (*consoleServer, error) {
	addr := o.ConsoleAddr
	if addr == "" {
		addr = a.Cfg.Console.Addr
	}
	srv, err := web.New(web.Options{Runs: a.Service, Drives: consoleDrives{a}, Token: string(a.Cfg.Console.Token), BindAddr: addr, Logger: a.Log})
	if err != nil {
		return nil, fmt.Errorf("app: console: %w", err)
	}
	a.shareLinksOn(ln.Addr().String())
	return &consoleServer{srv: srv, ln: ln}, nil
}

// shareLinksOn makes the local drives' share links point at the console
// (which serves their pages under /s/) listening on addr.
func (a *App) shareLinksOn(addr string) {
	base := accounts.ConsoleURL(addr)
	for _, name := range accounts.Names(a.Cfg) {
		if t := a.Cfg.Accounts[name].Type; t != "" && t != accounts.TypeLocal {
			continue
		}
		d, err := a.Drives.Get(name)
		if err != nil {
			continue // reported when the drive is used
		}
		if p, ok := d.(interface{ SetShareBase(string) }); ok {
			p.SetShareBase(base)
		}
	}
}

func (c *consoleServer) run(ctx context.Context) error { return c.srv.Serve(ctx, c.ln) }

func (c *consoleServer) close() {
	_ = c.ln.Close()
	_ = c.srv.Close()
}
