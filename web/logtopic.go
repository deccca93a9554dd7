package web

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// logTopic is one run's log, shared by every client showing it. One
// WatchLogs feeds a ring of the most recent lines (encoded once); each
// subscriber has a cursor (the last seq it was sent) and its writer pulls
// from the ring at its own pace, in batches.
//
// The ring is complete above floor: every line with floor < seq ≤ last that
// the watch delivered is in it. A subscriber whose cursor is below floor
// reads the gap from the store (RunService.Logs) while it catches up the
// first time, or after a burst outran it. A subscriber that falls below
// floor while its writer has been stuck in one write for over a second (its
// socket is full) cannot keep up, and is evicted. Sequence numbers need only increase: they may have gaps (a
// JetStream stream shared by many runs), so no gap is ever inferred from
// them, only from the ring's floor.
type logTopic struct {
	h      *hub
	run    string
	cancel context.CancelFunc

	mu    sync.Mutex
	buf   []ringLine // circular, len = capacity
	head  int        // index of the oldest line
	n     int        // lines held
	floor uint64
	last  uint64
	subs  map[*client]*logSub
}

type ringLine struct {
	seq uint64
	b   []byte // the encoded contract.LogLine
}

// logSub is one client's position in a topic. Guarded by the topic's mu.
type logSub struct {
	topic  *logTopic
	cursor uint64 // last seq sent to the client
	live   bool   // has caught up once
}

func newLogTopic(h *hub, run string, after uint64) *logTopic {
	return &logTopic{
		h: h, run: run, floor: after, last: after,
		buf:  make([]ringLine, h.ringSize),
		subs: map[*client]*logSub{},
	}
}

// deliver is the watch callback: it stores the line and wakes subscribers.
func (t *logTopic) deliver(seq uint64, b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if seq <= t.last {
		return // a restarted watch may repeat lines
	}
	t.last = seq
	if t.n == len(t.buf) {
		t.floor = t.buf[t.head].seq
		t.buf[t.head] = ringLine{}
		t.head = (t.head + 1) % len(t.buf)
		t.n--
	}
	t.buf[(t.head+t.n)%len(t.buf)] = ringLine{seq: seq, b: b}
	t.n++
	for c, s := range t.subs {
		if s.cursor < t.floor && (s.live || c.stuck()) {
			// Behind the ring. Stuck in a write means the socket is full:
			// it cannot keep up. Otherwise it was only outrun by a burst
			// and catches up from the store.
			if c.stuck() {
				c.evict("too slow: fell behind the live log")
				continue
			}
			s.live = false
		}
		c.wakeup()
	}
}

func (t *logTopic) lastSeq() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

// pull returns up to max lines after s.cursor from the ring and advances the
// cursor. gap reports that the ring no longer holds the next line; upToDate
// that nothing is left to send.
func (t *logTopic) pull(s *logSub, max int) (lines [][]byte, gap, upToDate bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s.cursor < t.floor {
		return nil, true, false
	}
	i := sort.Search(t.n, func(i int) bool { return t.buf[(t.head+i)%len(t.buf)].seq > s.cursor })
	for ; i < t.n && len(lines) < max; i++ {
		l := t.buf[(t.head+i)%len(t.buf)]
		lines = append(lines, l.b)
		s.cursor = l.seq
	}
	return lines, false, i == t.n
}

// backfill reads the lines after s.cursor from the store, for a subscriber
// that is behind the ring, and advances the cursor past them.
func (t *logTopic) backfill(ctx context.Context, s *logSub, max int) ([][]byte, error) {
	t.mu.Lock()
	from := s.cursor
	t.mu.Unlock()
	t.h.stats.LogBackfills.Add(1)
	got, err := t.h.svc.Logs(ctx, t.run, from, max)
	if err != nil {
		return nil, fmt.Errorf("read log of run %s after seq %d: %w", t.run, from, err)
	}
	lines := make([][]byte, 0, len(got))
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range got {
		if l.Seq > s.cursor {
			lines = append(lines, encodeLine(l))
			s.cursor = l.Seq
		}
	}
	if s.cursor == from && s.cursor < t.floor {
		s.cursor = t.floor // the store no longer has them (retention); skip
	}
	return lines, nil
}

// markLive records that s has caught up; it reports whether that is new.
func (t *logTopic) markLive(s *logSub) (bool, uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := s.live
	s.live = true
	return !was, s.cursor
}

// subscribeLog attaches c to run's log from after on, starting the topic's
// watch if c is its first subscriber.
func (h *hub) subscribeLog(c *client, run string, after uint64) error {
	h.unsubscribeLog(c, run)
	c.mu.Lock()
	n := len(c.logs)
	c.mu.Unlock()
	if n >= maxLogSubs {
		return fmt.Errorf("at most %d logs at once; unsubscribe one first", maxLogSubs)
	}
	h.mu.Lock()
	t := h.logs[run]
	if t == nil {
		if h.ctx.Err() != nil {
			h.mu.Unlock()
			return fmt.Errorf("server shutting down")
		}
		t = newLogTopic(h, run, after)
		ctx, cancel := context.WithCancel(h.ctx)
		t.cancel = cancel
		h.logs[run] = t
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.watchLoop(ctx, "log "+run, func(ctx context.Context) error {
				return h.svc.WatchLogs(ctx, run, t.lastSeq(), func(l contract.LogLine) {
					t.deliver(l.Seq, encodeLine(l))
				})
			})
		}()
	}
	s := &logSub{topic: t, cursor: after}
	t.mu.Lock()
	t.subs[c] = s
	t.mu.Unlock()
	h.mu.Unlock()
	c.mu.Lock()
	c.logs[run] = s
	c.mu.Unlock()
	c.wakeup()
	return nil
}

// unsubscribeLog detaches c from run's log; the last one out stops the watch.
func (h *hub) unsubscribeLog(c *client, run string) {
	c.mu.Lock()
	s := c.logs[run]
	delete(c.logs, run)
	c.mu.Unlock()
	if s == nil {
		return
	}
	t := s.topic
	h.mu.Lock()
	defer h.mu.Unlock()
	t.mu.Lock()
	delete(t.subs, c)
	empty := len(t.subs) == 0
	t.mu.Unlock()
	if empty && h.logs[run] == t {
		delete(h.logs, run)
		t.cancel()
	}
}
