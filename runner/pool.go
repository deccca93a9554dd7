package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Pool tuning.
const (
	// recycleAfter calls an instance is closed: a Go guest's heap only grows.
	recycleAfter = 1000
	// agingBytes is the payload size after which an instance is discarded:
	// extism's kernel memory stays grown and host calls get slower
	// ("aging", see shared/notes/wasm-host.md).
	agingBytes = 256 << 10
)

// pool holds the initialized instances of one plugin version. At most
// max instances exist; each serves one call at a time.
type pool struct {
	comp   *compiled
	config string  // the plugin's config JSON, given to pdk config "config"
	mounts []mount // granted local folders visible through WASI
	tokens chan struct{}
	rel    func(*compiled)
	// initTimeout bounds a prewarmed instance's initialisation (the
	// plugin's limits.timeout).
	initTimeout time.Duration

	mu      sync.Mutex
	idle    []*instance
	busy    int
	peak    int // most instances busy at once
	retired bool
	closed  bool
}

func newPool(comp *compiled, max int, config string, mounts []mount, initTimeout time.Duration, release func(*compiled)) *pool {
	p := &pool{comp: comp, config: config, mounts: mounts, tokens: make(chan struct{}, max), rel: release, initTimeout: initTimeout}
	for i := 0; i < max; i++ {
		p.tokens <- struct{}{}
	}
	return p
}

// prewarm makes one idle, initialised instance, so the first call skips
// instantiation and the guest's _initialize (see instance.warm). It ends
// with ctx (the host's life): a prewarm cut short because the host closes
// or the version was replaced is no failure and logs nothing.
func (p *pool) prewarm(ctx context.Context) {
	if _, err := p.warmIdle(ctx, 1); err != nil && !errors.Is(err, errRetired) && ctx.Err() == nil {
		slog.Warn("plugin prewarm failed", "module", p.comp.key, "err", err)
	}
}

// warmIdle makes n instances (at most the pool's size) idle and
// initialised, and returns how many are idle afterwards. An instance whose
// initialisation fails is discarded.
func (p *pool) warmIdle(ctx context.Context, n int) (int, error) {
	n = min(n, cap(p.tokens))
	held := make([]*instance, 0, n)
	var err error
	for len(held) < n {
		in, aerr := p.acquire(ctx)
		if aerr != nil {
			err = aerr
			break
		}
		if werr := in.warm(ctx, p.initTimeout); werr != nil {
			p.put(in, true)
			err = werr
			break
		}
		held = append(held, in)
	}
	for _, in := range held {
		p.put(in, false)
	}
	idle, _ := p.stats()
	return idle, err
}

// acquire waits for a free slot (or ctx) and returns an instance that no
// other call uses.
func (p *pool) acquire(ctx context.Context) (*instance, error) {
	select {
	case <-p.tokens:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free instance: %w", ctx.Err())
	}
	p.mu.Lock()
	if p.retired {
		p.mu.Unlock()
		p.tokens <- struct{}{}
		return nil, errRetired
	}
	p.busy++
	p.peak = max(p.peak, p.busy)
	var in *instance
	if n := len(p.idle); n > 0 {
		in = p.idle[n-1]
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	if in == nil {
		var err error
		if in, err = newInstance(ctx, p.comp, p.config, p.mounts); err != nil {
			p.put(nil, true)
			return nil, err
		}
	}
	if in.inUse.Swap(true) { // invariant: never reached
		panic("runner: pooled instance handed to two calls")
	}
	return in, nil
}

// put returns an instance after a call; discard closes it instead of
// keeping it (after a trap, a timeout, a big payload, or many calls).
func (p *pool) put(in *instance, discard bool) {
	if in != nil {
		in.inUse.Store(false)
	}
	if in != nil && (discard || in.calls >= recycleAfter) {
		in.close()
		in = nil
	}
	p.mu.Lock()
	p.busy--
	if in != nil {
		if p.retired || len(p.idle) >= cap(p.tokens) {
			in.close()
		} else {
			p.idle = append(p.idle, in)
		}
	}
	done := p.retired && p.busy == 0 && !p.closed
	if done {
		p.closed = true
	}
	p.mu.Unlock()
	p.tokens <- struct{}{}
	if done {
		p.rel(p.comp)
	}
}

// retire stops new calls; the compiled module is released once in-flight
// calls have returned their instances.
func (p *pool) retire() {
	p.mu.Lock()
	if p.retired {
		p.mu.Unlock()
		return
	}
	p.retired = true
	idle := p.idle
	p.idle = nil
	done := p.busy == 0 && !p.closed
	if done {
		p.closed = true
	}
	p.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
	if done {
		p.rel(p.comp)
	}
}

// stats reports idle and busy instances.
func (p *pool) stats() (idle, busy int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle), p.busy
}
