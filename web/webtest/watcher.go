package webtest

import (
	"context"
	"sync"
)

// watcher is an unbounded, ordered queue between a publisher (which must
// never block) and one watch callback running in the watch's goroutine.
type watcher[T any] struct {
	mu    sync.Mutex
	items []T
	ready chan struct{} // cap 1: "items is not empty"
}

func newWatcher[T any]() *watcher[T] {
	return &watcher[T]{ready: make(chan struct{}, 1)}
}

func (w *watcher[T]) put(v T) {
	w.mu.Lock()
	w.items = append(w.items, v)
	w.mu.Unlock()
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

// run calls fn for every item, in order, until ctx ends.
func (w *watcher[T]) run(ctx context.Context, fn func(T)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.ready:
		}
		w.mu.Lock()
		items := w.items
		w.items = nil
		w.mu.Unlock()
		for _, v := range items {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fn(v)
		}
	}
}
