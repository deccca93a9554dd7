package webtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/wasmdrive/wasmdrive/runner"
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

// WatchLogs implements runner.RunService.
func (s *MemRuns) WatchLogs(ctx context.Context, runID string, afterSeq uint64, fn func(runner.LogLine)) error {
	w := newWatcher[runner.LogLine]()
	s.pub.Lock() // no line is published between the backlog and registration
	s.mu.Lock()
	r := s.runs[runID]
	if r == nil {
		s.mu.Unlock()
		s.pub.Unlock()
		return fmt.Errorf("watch logs of run %q: %w", runID, ErrNotFound)
	}
	backlog := after(r.lines, afterSeq, 0)
	r.lw[w] = struct{}{}
	s.mu.Unlock()
	s.pub.Unlock()
	defer func() {
		s.mu.Lock()
		delete(r.lw, w)
		s.mu.Unlock()
	}()
	for _, l := range backlog {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fn(l)
	}
	return w.run(ctx, fn)
}

// WatchRuns implements runner.RunService. It delivers changes only.
func (s *MemRuns) WatchRuns(ctx context.Context, fn func(*runner.RunRecord)) error {
	w := newWatcher[*runner.RunRecord]()
	s.pub.Lock()
	s.mu.Lock()
	s.rw[w] = struct{}{}
	s.mu.Unlock()
	s.pub.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.rw, w)
		s.mu.Unlock()
	}()
	return w.run(ctx, fn)
}

// RunWatchers reports how many WatchRuns calls are registered, so a test
// can wait for a watch to be in place before changing runs.
func (s *MemRuns) RunWatchers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rw)
}
