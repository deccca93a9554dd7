package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

// ErrUnknownPlugin is returned when a trigger names no loaded plugin (it is runner.ErrUnknownPlugin).
var ErrUnknownPlugin = runner.ErrUnknownPlugin

// ErrUnknownEntry is returned when a run names an entry its plugin does
// not export (it is runner.ErrUnknownEntry, which a worker's call answers
// too).
var ErrUnknownEntry = runner.ErrUnknownEntry

// ErrNoCatalog is returned (wrapped) by a Catalog that cannot answer now,
// e.g. a CLI's remote catalog with no node running; Trigger then queues
// without checking the plugin name.
var ErrNoCatalog = errors.New("no plugin catalog available")

// Catalog is what the service needs to know about plugins (the plugin host).
type Catalog interface {
	Plugins(ctx context.Context) ([]runner.PluginInfo, error)
	SetEnabled(ctx context.Context, plugin string, enabled bool) error
}

// Service implements runner.RunService over the queue. Every node can
// serve it: all state is in JetStream.
type Service struct {
	Q       *Queue
	Catalog Catalog // nil: every plugin name is accepted
	// Schedules, if set, adds schedule info to Plugins.
	Schedules func(plugin string) []runner.ScheduleInfo
	// Manifests, if set, checks the plugin and entry names of Trigger and
	// Retry when Catalog is nil or no node answers it (ErrNoCatalog), e.g.
	// runner.ManifestCatalog for a CLI with no node running. Whether the
	// plugin is enabled is left to the node that runs it.
	Manifests interface {
		Plugins(ctx context.Context) ([]runner.PluginInfo, error)
	}
}

var _ runner.RunService = (*Service)(nil)

// Enqueue publishes a run request on subject (RunSubject(plugin) when "")
// and writes its queued record. A request whose idempotency key was seen
// within the dedup window is not queued again: dup is true and the record
// is the first request's.
func (q *Queue) Enqueue(ctx context.Context, req *Request, subject string, opts ...jetstream.PublishOpt) (rec *runner.RunRecord, dup bool, err error) {
	if req.Plugin == "" {
		return nil, false, errors.New("queue: a run needs a plugin name")
	}
	if req.ID == "" {
		if req.Key != "" {
			req.ID = KeyRunID(req.Plugin, req.Key)
		} else {
			req.ID = NewRunID()
		}
	}
	if req.Queued.IsZero() {
		req.Queued = time.Now().UTC()
	}
	if req.Trigger == "" {
		req.Trigger = "manual"
	}
	if subject == "" {
		subject = RunSubject(req.Plugin)
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, false, fmt.Errorf("queue: encode request: %w", err)
	}
	if req.Key != "" {
		opts = append(opts, jetstream.WithMsgID(MsgID(req.Plugin, req.Key)))
	}
	ack, err := q.JS.Publish(ctx, subject, b, opts...)
	if err != nil {
		return nil, false, fmt.Errorf("queue: queue run of %s: %w", req.Plugin, err)
	}
	if ack.Duplicate {
		if r, err := q.GetRun(ctx, req.ID); err == nil {
			return r, true, nil
		}
		return recordFor(req), true, nil
	}
	rec = recordFor(req)
	if err := q.createRecord(ctx, rec); err != nil {
		return nil, false, fmt.Errorf("queue: run %s of %s is queued but its record could not be written (a worker writes it when the run starts): %w", req.ID, req.Plugin, err)
	}
	return rec, false, nil
}

// deadLetter stores a run whose retries ran out on the dead-letter stream.
func (q *Queue) deadLetter(req *Request, rec *runner.RunRecord) error {
	b, err := json.Marshal(DeadLetter{Request: *req, Error: rec.Error, Attempts: rec.Attempt, Node: q.Opts.Node, Time: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("queue: encode dead letter: %w", err)
	}
	if err := natsx.Call(context.Background(), q.Opts.Retry, "dead-letter", func(ctx context.Context) error {
		_, err := q.JS.Publish(ctx, SubjectDLQ+"."+Token(req.Plugin), b, jetstream.WithMsgID("dead:"+req.ID+":"+fmt.Sprint(rec.Attempt)))
		return err
	}); err != nil {
		return fmt.Errorf("queue: dead-letter %s: %w", req.ID, err)
	}
	return nil
}

// checkPlugin refuses a run of a plugin the catalog does not know or has
// turned off, of an entry the plugin does not export ("" is the plugin's
// default entry), or with an input over its limits.max_input_bytes, so a
// mistyped name or an oversized input fails now instead of being queued
// to fail on a worker.
func (s *Service) checkPlugin(ctx context.Context, name, entry string, input json.RawMessage) error {
	var (
		ps          []runner.PluginInfo
		err         error
		fromCatalog = s.Catalog != nil
	)
	if fromCatalog {
		ps, err = s.Catalog.Plugins(ctx)
		if errors.Is(err, ErrNoCatalog) {
			fromCatalog = false
		} else if err != nil {
			return fmt.Errorf("queue: plugins: %w", err)
		}
	}
	if !fromCatalog {
		if s.Manifests == nil {
			return nil
		}
		if ps, err = s.Manifests.Plugins(ctx); err != nil {
			return nil // an incomplete list: leave the check to the node
		}
	}
	var names []string
	for _, p := range ps {
		if p.Name == name {
			if fromCatalog && !p.Enabled {
				return fmt.Errorf("plugin %q is disabled (enable it in the config or the console)", name)
			}
			if entry != "" && len(p.Exports) > 0 && !slices.Contains(p.Exports, entry) {
				return fmt.Errorf("%w %q of plugin %s (exports: %s; see wasmdrive plugin inspect %s)", ErrUnknownEntry, entry, name, strings.Join(p.Exports, ", "), name)
			}
			if p.MaxInputBytes > 0 && int64(len(input)) > p.MaxInputBytes {
				return fmt.Errorf("plugin %s: input is %d bytes: %w (limits.max_input_bytes = %d in its plugin.yaml)", name, len(input), runner.ErrLimit, p.MaxInputBytes)
			}
			return nil
		}
		names = append(names, p.Name)
	}
	return fmt.Errorf("%w %q (loaded: %v; see wasmdrive plugin list)", ErrUnknownPlugin, name, names)
}

// Trigger queues a run of plugin; key is the idempotency key.
func (s *Service) Trigger(ctx context.Context, plugin, entry string, input json.RawMessage, key string) (*runner.RunRecord, error) {
	if err := s.checkPlugin(ctx, plugin, entry, input); err != nil {
		return nil, err
	}
	if len(input) > 0 && !json.Valid(input) {
		return nil, errors.New("input is not valid JSON")
	}
	rec, _, err := s.Q.Enqueue(ctx, &Request{Plugin: plugin, Entry: entry, Input: input, Key: key, Trigger: "manual"}, "")
	return rec, err
}

// Retry queues a new run with the input of a finished one.
func (s *Service) Retry(ctx context.Context, runID string) (*runner.RunRecord, error) {
	old, err := s.Q.GetRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if !final(old.Status) {
		return nil, fmt.Errorf("run %s is %s; only a finished run can be retried", runID, old.Status)
	}
	if err := s.checkPlugin(ctx, old.Plugin, old.Entry, old.Input); err != nil {
		return nil, fmt.Errorf("retry of run %s: %w", runID, err)
	}
	rec, _, err := s.Q.Enqueue(ctx, &Request{
		Plugin: old.Plugin, Entry: old.Entry, Input: old.Input, Account: old.Account,
		Trigger: "retry:" + runID, RetryOf: runID,
	}, "")
	return rec, err
}

// Cancel stops a queued or running run.
func (s *Service) Cancel(ctx context.Context, runID string) error {
	rec, err := s.Q.GetRun(ctx, runID)
	for i := 0; errors.Is(err, ErrRunNotFound) && i < 10; i++ {
		// Records are written asynchronously: a run queued a moment ago
		// may not have one yet.
		time.Sleep(20 * time.Millisecond)
		rec, err = s.Q.GetRun(ctx, runID)
	}
	if err != nil {
		return err
	}
	if final(rec.Status) {
		return fmt.Errorf("run %s already %s", runID, rec.Status)
	}
	if err := s.Q.Conn.NC.Publish(SubjectCancel+"."+runID, nil); err != nil {
		return fmt.Errorf("cancel %s: %w", runID, err)
	}
	if rec.Status == runner.StatusQueued {
		rec.Status, rec.Ended, rec.Error = runner.StatusCancelled, time.Now().UTC(), "cancelled before it started"
		return s.Q.putRecord(ctx, rec)
	}
	return nil
}

// ListRuns lists run records, newest first. A run listed as running whose
// node is lost (reap.go) is queued again first and listed as such, so the
// listing shows no run "running" without a live node even when no worker
// is left to reap it.
func (s *Service) ListRuns(ctx context.Context, f runner.RunFilter) ([]*runner.RunRecord, error) {
	rs, err := s.Q.ListRuns(ctx, f)
	if err != nil {
		return nil, err
	}
	out := rs[:0]
	for _, r := range rs {
		r = s.Q.unlessLost(ctx, r)
		if f.Status == "" || matches(r, f) {
			out = append(out, r)
		}
	}
	return out, nil
}

// GetRun returns one run record (a run of a lost node queued again, as in
// ListRuns).
func (s *Service) GetRun(ctx context.Context, runID string) (*runner.RunRecord, error) {
	r, err := s.Q.GetRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	return s.Q.unlessLost(ctx, r), nil
}

// Logs returns a run's log lines after afterSeq.
func (s *Service) Logs(ctx context.Context, runID string, afterSeq uint64, limit int) ([]runner.LogLine, error) {
	return s.Q.Logs(ctx, runID, afterSeq, limit)
}

// WatchLogs streams a run's log lines.
func (s *Service) WatchLogs(ctx context.Context, runID string, afterSeq uint64, fn func(runner.LogLine)) error {
	return s.Q.WatchLogs(ctx, runID, afterSeq, fn)
}

// WatchRuns streams run record changes.
func (s *Service) WatchRuns(ctx context.Context, fn func(*runner.RunRecord)) error {
	return s.Q.WatchRuns(ctx, fn)
}

// Plugins lists the loaded plugins with their schedules and each one's
// newest run (LastRun, nil when it never ran).
func (s *Service) Plugins(ctx context.Context) ([]runner.PluginInfo, error) {
	if s.Catalog == nil {
		return nil, nil
	}
	ps, err := s.Catalog.Plugins(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if s.Schedules != nil {
			ps[i].Schedules = s.Schedules(ps[i].Name)
		}
		if ps[i].LastRun == nil {
			last, err := s.Q.ListRuns(ctx, runner.RunFilter{Plugin: ps[i].Name, Limit: 1})
			if err != nil {
				return nil, fmt.Errorf("queue: last run of %s: %w", ps[i].Name, err)
			}
			if len(last) > 0 {
				ps[i].LastRun = last[0]
			}
		}
	}
	return ps, nil
}

// SetEnabled turns a plugin on or off.
func (s *Service) SetEnabled(ctx context.Context, plugin string, enabled bool) error {
	if s.Catalog == nil {
		return errors.New("no plugin catalog on this node")
	}
	return s.Catalog.SetEnabled(ctx, plugin, enabled)
}
