package runner

import (
	"context"
	"fmt"
	"time"
)

// ProbeAcquire takes an instance of a plugin from its pool and returns it
// at once, reporting how long the take waited. It is for benchmarks and
// health checks; it runs no plugin code.
func (h *Host) ProbeAcquire(ctx context.Context, plugin string) (time.Duration, error) {
	v, err := h.current(plugin)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	in, err := v.pool.acquire(ctx)
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("plugin %s: %w", plugin, err)
	}
	v.pool.put(in, false)
	return took, nil
}

// Prewarm makes n instances of a plugin ready, instantiated and
// initialised (at most its limits.max_instances), and returns how many are
// idle afterwards.
func (h *Host) Prewarm(ctx context.Context, plugin string, n int) (int, error) {
	v, err := h.current(plugin)
	if err != nil {
		return 0, err
	}
	idle, err := v.pool.warmIdle(ctx, n)
	if err != nil {
		return idle, fmt.Errorf("plugin %s: %w", plugin, err)
	}
	return idle, nil
}
