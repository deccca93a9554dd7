package web

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// hub fans out RunService watches to websocket clients. Each topic (the runs
// list, one run's log) has at most one watch open however many clients
// subscribe to it; the watch stops when its last subscriber leaves.
//
// Lock order: hub.mu, then a topic's mu, then a client's mu.
type hub struct {
	svc        contract.RunService
	log        *slog.Logger
	ringSize   int
	sendBuffer int
	writeWait  time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	clients map[*client]struct{}
	runs    *runsTopic
	logs    map[string]*logTopic

	stats hubStats
}

// hubStats are the hub's counters, exposed by /api/stats.
type hubStats struct {
	Connected    atomic.Int64 // websocket connections accepted, ever
	Evicted      atomic.Int64 // clients dropped for not keeping up
	Messages     atomic.Int64 // websocket messages written
	Bytes        atomic.Int64 // bytes written in them
	LinesSent    atomic.Int64 // log lines written (all clients)
	LogBackfills atomic.Int64 // store reads to catch a client up
	WatchErrors  atomic.Int64 // watch calls that failed and were restarted
}

// Stats is a snapshot of the hub, served by GET /api/stats.
type Stats struct {
	Clients        int   `json:"clients"`
	Connected      int64 `json:"connected_total"`
	Evicted        int64 `json:"evicted_total"`
	RunsWatchers   int   `json:"runs_subscribers"`
	LogTopics      int   `json:"log_topics"`
	LogSubscribers int   `json:"log_subscribers"`
	Messages       int64 `json:"messages_total"`
	Bytes          int64 `json:"bytes_total"`
	LinesSent      int64 `json:"log_lines_total"`
	LogBackfills   int64 `json:"log_backfills_total"`
	WatchErrors    int64 `json:"watch_errors_total"`
}

func newHub(svc contract.RunService, log *slog.Logger, ringSize, sendBuffer int, writeWait time.Duration) *hub {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hub{
		svc: svc, log: log, ringSize: ringSize, sendBuffer: sendBuffer, writeWait: writeWait,
		ctx: ctx, cancel: cancel,
		clients: map[*client]struct{}{},
		logs:    map[string]*logTopic{},
	}
	h.runs = &runsTopic{h: h, subs: map[*client]contract.RunFilter{}, last: map[string]string{}}
	h.runs.start()
	return h
}

// close stops every watch and disconnects every client.
func (h *hub) close() {
	h.cancel()
	h.mu.Lock()
	cs := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	for _, c := range cs {
		c.kill(closeGoingAway, "server shutting down")
	}
	h.wg.Wait()
}

func (h *hub) snapshot() Stats {
	h.mu.Lock()
	st := Stats{Clients: len(h.clients), LogTopics: len(h.logs)}
	for _, t := range h.logs {
		t.mu.Lock()
		st.LogSubscribers += len(t.subs)
		t.mu.Unlock()
	}
	h.mu.Unlock()
	h.runs.mu.Lock()
	st.RunsWatchers = len(h.runs.subs)
	h.runs.mu.Unlock()
	st.Connected = h.stats.Connected.Load()
	st.Evicted = h.stats.Evicted.Load()
	st.Messages = h.stats.Messages.Load()
	st.Bytes = h.stats.Bytes.Load()
	st.LinesSent = h.stats.LinesSent.Load()
	st.LogBackfills = h.stats.LogBackfills.Load()
	st.WatchErrors = h.stats.WatchErrors.Load()
	return st
}

func (h *hub) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx.Err() != nil {
		return false
	}
	h.clients[c] = struct{}{}
	h.stats.Connected.Add(1)
	return true
}

// remove drops every subscription of c.
func (h *hub) remove(c *client) {
	h.runs.unsubscribe(c)
	c.mu.Lock()
	runs := make([]string, 0, len(c.logs))
	for run := range c.logs {
		runs = append(runs, run)
	}
	c.mu.Unlock()
	for _, run := range runs {
		h.unsubscribeLog(c, run)
	}
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// watchLoop runs watch until the hub closes or stop is cancelled, restarting
// it with backoff (1 s doubling to 16 s) when it fails.
func (h *hub) watchLoop(ctx context.Context, what string, watch func(context.Context) error) {
	backoff := time.Second
	for {
		err := watch(ctx)
		if ctx.Err() != nil {
			return
		}
		h.stats.WatchErrors.Add(1)
		if err == nil {
			err = errors.New("watch ended")
		}
		h.log.Warn("console: watch failed; restarting", "watch", what, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 16*time.Second)
	}
}

// runsTopic is the list of all runs. Its one watch runs for the hub's whole
// life: run changes are few, a fresh watch may replay history, and a watch
// started per subscriber could miss the changes made while it starts.
type runsTopic struct {
	h       *hub
	mu      sync.Mutex
	subs    map[*client]contract.RunFilter
	last    map[string]string // run id → last status seen, to tell clients a run left their filter
	lastAge []string          // insertion order of last, to bound it
}

const runsMemory = 10_000

func (t *runsTopic) start() {
	t.h.wg.Add(1)
	go func() {
		defer t.h.wg.Done()
		t.h.watchLoop(t.h.ctx, "runs", func(ctx context.Context) error {
			return t.h.svc.WatchRuns(ctx, t.deliver)
		})
	}()
}

func (t *runsTopic) subscribe(c *client, f contract.RunFilter) {
	t.mu.Lock()
	t.subs[c] = f
	t.mu.Unlock()
	// The snapshot is read after registering, so nothing falls between it
	// and the live changes; the page keeps the freshest copy of each run.
	ctx, cancel := context.WithTimeout(t.h.ctx, 10*time.Second)
	defer cancel()
	runs, err := t.h.svc.ListRuns(ctx, f)
	if err != nil {
		c.push(mustJSON(errorFrame{T: "error", Msg: "list runs: " + err.Error()}))
		return
	}
	if runs == nil {
		runs = []*contract.RunRecord{}
	}
	for i, r := range runs {
		runs[i] = redactRun(r)
	}
	c.push(mustJSON(runsFrame{T: "runs", Runs: runs}))
}

func (t *runsTopic) unsubscribe(c *client) {
	t.mu.Lock()
	delete(t.subs, c)
	t.mu.Unlock()
}

func (t *runsTopic) deliver(rec *contract.RunRecord) {
	if rec == nil {
		return
	}
	frame := mustJSON(runFrame{T: "run", Run: redactRun(rec)})
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, seen := t.last[rec.ID]
	if !seen {
		t.lastAge = append(t.lastAge, rec.ID)
		if len(t.lastAge) > runsMemory {
			delete(t.last, t.lastAge[0])
			t.lastAge = t.lastAge[1:]
		}
	}
	t.last[rec.ID] = rec.Status
	for c, f := range t.subs {
		if matchRun(f, rec.Plugin, rec.Trigger, rec.Status) || (seen && matchRun(f, rec.Plugin, rec.Trigger, prev)) {
			c.push(frame)
		}
	}
}

// matchRun applies a RunFilter (see contract.RunFilter for its rules).
func matchRun(f contract.RunFilter, plugin, trigger, status string) bool {
	if f.Plugin != "" && f.Plugin != plugin {
		return false
	}
	if f.Trigger != "" && (len(trigger) < len(f.Trigger) || trigger[:len(f.Trigger)] != f.Trigger) {
		return false
	}
	switch f.Status {
	case "":
		return true
	case contract.StatusFailed:
		return status == contract.StatusFailed || status == contract.StatusDead
	default:
		return status == f.Status
	}
}
