package app

import (
	"context"
	"sync"
)

// Run starts the workers, triggers, batch workers and console, and blocks
// until ctx ends. Then it drains: no new runs are fetched, running plugins
// get Options.Grace to finish, the rest are cancelled and their runs go
// back to the queue for another node (or the next start). It closes the
// node before returning.
func (a *App) Run(ctx context.Context) error {
	defer a.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	start := func(f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil {
				errc <- err
			}
		}()
	}
	start(a.Worker.Run)
	start(a.Batch.Run)
	start(a.Router.Run)
	start(a.Scheduler.Run)
	start(a.serveControl)
	start(a.enabled.run)
	if a.console != nil {
		start(a.console.run)
	}
	var first error
	select {
	case <-ctx.Done():
	case first = <-errc:
		a.Log.Error("node component failed; stopping", "err", first)
		cancel()
	}
	wg.Wait()
	return first
}

// ConsoleURL is the console's address ("" when disabled).
func (a *App) ConsoleURL() string {
	if a.console == nil {
		return ""
	}
	return "http://" + a.console.ln.Addr().String() + "/"
}
