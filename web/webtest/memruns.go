// Package webtest provides an in-memory runner.RunService for the console's
// tests and benchmarks: runs, per-run log ring buffers with global sequence
// numbers (like a JetStream stream), live watches and plugin records. It is a
// real implementation of the interface, not a mock: it keeps state, enforces
// the same rules as the JetStream service (it passes the RunService
// contract suite, runner/contract/runtest: unknown run, unknown entry,
// retry only of a finished run, cancel only of an unfinished one) and
// delivers watches in order.
package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// ErrNotFound is returned for an unknown run (it is the real service's
// contract.ErrRunNotFound, so the console answers both alike); an unknown
// plugin is runner.ErrUnknownPlugin, as from the real service.
var ErrNotFound = contract.ErrRunNotFound

// Exec executes a triggered run. It runs in its own goroutine; it reports
// through the service's Log, Progress and Finish methods.
type Exec func(ctx context.Context, s *MemRuns, rec runner.RunRecord)

// MemRuns is an in-memory RunService. The zero value is not usable; call New.
type MemRuns struct {
	// Exec, if set, is started for every triggered or retried run.
	Exec Exec
	// LogCap bounds each run's log ring (default 100,000 lines).
	LogCap int

	seq  atomic.Uint64 // global log sequence, like a stream sequence
	ids  atomic.Uint64
	pub  sync.Mutex // serialises publication so watchers see seq order
	mu   sync.Mutex
	runs map[string]*memRun
	plug map[string]*runner.PluginInfo
	rw   map[*watcher[*runner.RunRecord]]struct{}
}

type memRun struct {
	rec   runner.RunRecord
	lines []runner.LogLine // ring, oldest first
	lw    map[*watcher[runner.LogLine]]struct{}
	stop  context.CancelFunc // cancels the run's Exec; nil when none runs
}

// New returns an empty service with the given plugins.
func New(plugins ...runner.PluginInfo) *MemRuns {
	s := &MemRuns{
		runs: map[string]*memRun{},
		plug: map[string]*runner.PluginInfo{},
		rw:   map[*watcher[*runner.RunRecord]]struct{}{},
	}
	for i := range plugins {
		p := plugins[i]
		s.plug[p.Name] = &p
	}
	return s
}

var _ runner.RunService = (*MemRuns)(nil)

// Create records a run directly (no Exec), as a worker picking up a
// subject or schedule trigger would, and returns it.
func (s *MemRuns) Create(plugin, trigger, account string, input json.RawMessage) *runner.RunRecord {
	rec := runner.RunRecord{
		ID:      fmt.Sprintf("r%06d", s.ids.Add(1)),
		Plugin:  plugin,
		Trigger: trigger,
		Account: account,
		Status:  runner.StatusQueued,
		Queued:  time.Now(),
		Input:   input,
		Node:    "node-1",
	}
	s.mu.Lock()
	if p := s.plug[plugin]; p != nil {
		rec.Version, rec.Hash = p.Version, p.Hash
		if rec.Account == "" {
			rec.Account = p.Account
		}
	}
	s.runs[rec.ID] = &memRun{rec: rec, lw: map[*watcher[runner.LogLine]]struct{}{}}
	s.mu.Unlock()
	s.publishRun(&rec)
	return &rec
}

// Start marks a run running. A run cancelled before it started is left
// cancelled and Start returns an error, as a worker skips such a run.
func (s *MemRuns) Start(runID string) error {
	var cancelled bool
	err := s.update(runID, func(r *runner.RunRecord) {
		if cancelled = r.Status == runner.StatusCancelled; cancelled {
			return
		}
		r.Status, r.Started = runner.StatusRunning, time.Now()
		r.Attempt++
	})
	if err == nil && cancelled {
		err = fmt.Errorf("start run %s: it was cancelled", runID)
	}
	return err
}

// Finish ends a run: failed when errMsg is not empty, else succeeded. A
// cancelled run stays cancelled, as a worker leaves it.
func (s *MemRuns) Finish(runID string, result json.RawMessage, errMsg string) error {
	return s.update(runID, func(r *runner.RunRecord) {
		if r.Status == runner.StatusCancelled {
			return
		}
		r.Ended, r.Result, r.Error = time.Now(), result, errMsg
		r.Status = runner.StatusSucceeded
		if errMsg != "" {
			r.Status = runner.StatusFailed
		}
	})
}

// Progress records a run's progress.
func (s *MemRuns) Progress(runID string, p runner.Progress) error {
	return s.update(runID, func(r *runner.RunRecord) { r.Progress = &p })
}

// Log appends a line to a run's log, assigns its sequence number and time
// (when zero) and delivers it to watchers. It returns the line as stored.
func (s *MemRuns) Log(runID string, level runner.Level, msg string, fields map[string]any) (runner.LogLine, error) {
	s.pub.Lock()
	defer s.pub.Unlock()
	l := runner.LogLine{RunID: runID, Time: time.Now(), Level: level, Source: "plugin", Msg: msg, Fields: fields}
	s.mu.Lock()
	r := s.runs[runID]
	if r == nil {
		s.mu.Unlock()
		return l, fmt.Errorf("log to run %q: %w", runID, ErrNotFound)
	}
	l.Seq = s.seq.Add(1)
	r.lines = append(r.lines, l)
	if c := s.logCap(); len(r.lines) > c {
		r.lines = append(r.lines[:0:0], r.lines[len(r.lines)-c:]...)
	}
	r.rec.LastLogSeq = l.Seq
	ws := make([]*watcher[runner.LogLine], 0, len(r.lw))
	for w := range r.lw {
		ws = append(ws, w)
	}
	s.mu.Unlock()
	for _, w := range ws {
		w.put(l)
	}
	return l, nil
}

// Sink returns a runner.RunSink writing to runID, for code that runs plugins.
func (s *MemRuns) Sink(runID string) runner.RunSink { return sink{s, runID} }

type sink struct {
	s  *MemRuns
	id string
}

func (k sink) Log(l runner.LogLine) { _, _ = k.s.Log(k.id, l.Level, l.Msg, l.Fields) }
func (k sink) Progress(p runner.Progress) {
	_ = k.s.Progress(k.id, p)
}

func (s *MemRuns) logCap() int {
	if s.LogCap > 0 {
		return s.LogCap
	}
	return 100_000
}

func (s *MemRuns) update(runID string, f func(*runner.RunRecord)) error {
	s.mu.Lock()
	r := s.runs[runID]
	if r == nil {
		s.mu.Unlock()
		return fmt.Errorf("run %q: %w", runID, ErrNotFound)
	}
	f(&r.rec)
	rec := r.rec
	s.mu.Unlock()
	s.publishRun(&rec)
	return nil
}

func (s *MemRuns) publishRun(rec *runner.RunRecord) {
	s.pub.Lock()
	defer s.pub.Unlock()
	s.mu.Lock()
	ws := make([]*watcher[*runner.RunRecord], 0, len(s.rw))
	for w := range s.rw {
		ws = append(ws, w)
	}
	s.mu.Unlock()
	for _, w := range ws {
		c := *rec
		w.put(&c)
	}
}

// Trigger implements runner.RunService.
func (s *MemRuns) Trigger(ctx context.Context, plugin, entry string, input json.RawMessage, key string) (*runner.RunRecord, error) {
	s.mu.Lock()
	p := s.plug[plugin]
	if p == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("trigger: %w %q", runner.ErrUnknownPlugin, plugin)
	}
	if !p.Enabled {
		s.mu.Unlock()
		return nil, fmt.Errorf("trigger %q: plugin is disabled; enable it first", plugin)
	}
	if entry != "" && len(p.Exports) > 0 && !slices.Contains(p.Exports, entry) {
		s.mu.Unlock()
		return nil, fmt.Errorf("trigger: %w %q of plugin %s (exports: %s)", runner.ErrUnknownEntry, entry, plugin, strings.Join(p.Exports, ", "))
	}
	if key != "" {
		for _, r := range s.runs {
			if r.rec.Plugin == plugin && r.rec.Key == key {
				c := r.rec
				s.mu.Unlock()
				return &c, nil
			}
		}
	}
	s.mu.Unlock()
	rec := s.Create(plugin, "manual", "", input)
	_ = s.update(rec.ID, func(r *runner.RunRecord) { r.Entry, r.Key = entry, key })
	s.exec(rec.ID)
	return s.GetRun(ctx, rec.ID)
}

// Retry implements runner.RunService: it queues a new run with a finished
// (succeeded, failed, dead or cancelled) run's plugin, entry and input, as
// the JetStream service does; a queued or running run is refused.
func (s *MemRuns) Retry(ctx context.Context, runID string) (*runner.RunRecord, error) {
	old, err := s.GetRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if !final(old.Status) {
		return nil, fmt.Errorf("run %s is %s; only a finished run can be retried", runID, old.Status)
	}
	rec := s.Create(old.Plugin, "retry:"+old.ID, old.Account, old.Input)
	_ = s.update(rec.ID, func(r *runner.RunRecord) { r.Entry = old.Entry })
	s.exec(rec.ID)
	return s.GetRun(ctx, rec.ID)
}

func (s *MemRuns) exec(id string) {
	if s.Exec == nil {
		return
	}
	rec, err := s.GetRun(context.Background(), id)
	if err != nil {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	s.mu.Lock()
	if r := s.runs[id]; r != nil {
		r.stop = stop
		if final(r.rec.Status) { // cancelled before it got here
			stop()
		}
	}
	s.mu.Unlock()
	go func() {
		defer stop()
		s.Exec(ctx, s, *rec)
	}()
}

func final(status string) bool {
	switch status {
	case runner.StatusSucceeded, runner.StatusFailed, runner.StatusDead, runner.StatusCancelled:
		return true
	}
	return false
}

// Cancel implements runner.RunService: a queued or running run ends
// cancelled (its Exec's context is cancelled); a finished one is refused,
// as by the JetStream service.
func (s *MemRuns) Cancel(_ context.Context, runID string) error {
	s.mu.Lock()
	r := s.runs[runID]
	if r == nil {
		s.mu.Unlock()
		return fmt.Errorf("cancel run %q: %w", runID, ErrNotFound)
	}
	if final(r.rec.Status) {
		s.mu.Unlock()
		return fmt.Errorf("run %s already %s", runID, r.rec.Status)
	}
	if r.rec.Started.IsZero() {
		r.rec.Error = "cancelled before it started"
	}
	r.rec.Status, r.rec.Ended = runner.StatusCancelled, time.Now()
	rec, stop := r.rec, r.stop
	s.mu.Unlock()
	s.publishRun(&rec)
	if stop != nil {
		stop()
	}
	return nil
}

// ListRuns implements runner.RunService: newest first.
func (s *MemRuns) ListRuns(_ context.Context, f runner.RunFilter) ([]*runner.RunRecord, error) {
	s.mu.Lock()
	out := make([]*runner.RunRecord, 0, len(s.runs))
	for _, r := range s.runs {
		if Match(f, &r.rec) {
			c := r.rec
			out = append(out, &c)
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Match reports whether rec passes f, with RunFilter's documented rules.
func Match(f runner.RunFilter, rec *runner.RunRecord) bool {
	if f.Plugin != "" && f.Plugin != rec.Plugin {
		return false
	}
	if f.Trigger != "" && !strings.HasPrefix(rec.Trigger, f.Trigger) {
		return false
	}
	switch f.Status {
	case "":
	case runner.StatusFailed:
		return rec.Status == runner.StatusFailed || rec.Status == runner.StatusDead
	default:
		return rec.Status == f.Status
	}
	return true
}

// GetRun implements runner.RunService.
func (s *MemRuns) GetRun(_ context.Context, runID string) (*runner.RunRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runs[runID]
	if r == nil {
		return nil, fmt.Errorf("run %q: %w", runID, ErrNotFound)
	}
	c := r.rec
	return &c, nil
}

// Logs implements runner.RunService.
func (s *MemRuns) Logs(_ context.Context, runID string, afterSeq uint64, limit int) ([]runner.LogLine, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runs[runID]
	if r == nil {
		return nil, fmt.Errorf("logs of run %q: %w", runID, ErrNotFound)
	}
	return after(r.lines, afterSeq, limit), nil
}

func after(lines []runner.LogLine, seq uint64, limit int) []runner.LogLine {
	i := sort.Search(len(lines), func(i int) bool { return lines[i].Seq > seq })
	out := lines[i:]
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return append([]runner.LogLine(nil), out...)
}

// Plugins implements runner.RunService, with each plugin's last run.
func (s *MemRuns) Plugins(_ context.Context) ([]runner.PluginInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]runner.PluginInfo, 0, len(s.plug))
	for _, p := range s.plug {
		c := *p
		for _, r := range s.runs {
			if r.rec.Plugin == c.Name && (c.LastRun == nil || r.rec.ID > c.LastRun.ID) {
				rc := r.rec
				c.LastRun = &rc
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SetEnabled implements runner.RunService.
func (s *MemRuns) SetEnabled(_ context.Context, plugin string, enabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.plug[plugin]
	if p == nil {
		return fmt.Errorf("%w %q", runner.ErrUnknownPlugin, plugin)
	}
	p.Enabled = enabled
	return nil
}
