package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/wasmdrive/wasmdrive/runner"
)

// Sink collects a run's logs and progress.
type Sink struct {
	mu    sync.Mutex
	lines []runner.LogLine
	prog  []runner.Progress
}

// Log implements runner.RunSink.
func (s *Sink) Log(l runner.LogLine) { s.mu.Lock(); s.lines = append(s.lines, l); s.mu.Unlock() }

// Progress implements runner.RunSink.
func (s *Sink) Progress(p runner.Progress) { s.mu.Lock(); s.prog = append(s.prog, p); s.mu.Unlock() }

// String renders the log lines.
func (s *Sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, l := range s.lines {
		fmt.Fprintf(&b, "%s %s: %s %v\n", l.Level, l.Source, l.Msg, l.Fields)
	}
	return b.String()
}

// Emitter records emitted events by subject.
type Emitter struct {
	mu     sync.Mutex
	events map[string][][]byte
}

// Events returns the events emitted on subject.
func (e *Emitter) Events(subject string) [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.events[subject]
}

// Emit implements runner.Emitter.
func (e *Emitter) Emit(ctx context.Context, subject string, data []byte, h map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.events == nil {
		e.events = map[string][][]byte{}
	}
	e.events[subject] = append(e.events[subject], data)
	return nil
}
