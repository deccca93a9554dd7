package web

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
)

func subLog(run string, after uint64) map[string]any {
	return map[string]any{"op": "sub", "topic": "log", "run": run, "after": after}
}

// Many clients on one run's log each get every line once, in order, while
// another run logs in between (so sequence numbers have gaps).
func TestHubManyClients(t *testing.T) {
	ts := newTestServer(t, Options{})
	run := ts.runs.Create("backup", "manual", "", nil).ID
	other := ts.runs.Create("archive", "manual", "", nil).ID
	const clients, lines = 12, 600
	cs := make([]*wsClient, clients)
	for i := range cs {
		cs[i] = ts.dial(t, nil)
		cs[i].send(subLog(run, 0))
		cs[i].waitFor("live")
	}
	if st := ts.Stats(); st.LogTopics != 1 || st.LogSubscribers != clients {
		t.Fatalf("stats = %+v, want one log topic with %d subscribers (one watch per topic)", st, clients)
	}
	var want []uint64
	for i := range lines {
		want = append(want, logN(t, ts.runs, run, 1, "line")...)
		if i%10 == 0 {
			logN(t, ts.runs, other, 1, "noise")
		}
	}
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			got, err := c.readLog(run, want[len(want)-1])
			if err != nil {
				t.Errorf("client %d: %v", i, err)
			}
			checkSeqs(t, "client", got, want)
		})
	}
	wg.Wait()
}

// A client that stops reading is evicted once the log moves past it; the
// others keep receiving every line.
func TestHubEvictsSlowClient(t *testing.T) {
	ts := newTestServer(t, Options{LogRing: 16})
	run := ts.runs.Create("backup", "manual", "", nil).ID
	slow := ts.dial(t, nil)
	slow.send(subLog(run, 0))
	slow.waitFor("live")

	const fast = 2
	progress := make([]chan uint64, fast)
	var wg sync.WaitGroup
	var all [fast][]uint64
	for i := range fast {
		c := ts.dial(t, nil)
		c.send(subLog(run, 0))
		c.waitFor("live")
		progress[i] = make(chan uint64, 1024)
		wg.Go(func() { // scans for seqs rather than decoding 64 KiB lines
			defer close(progress[i])
			for {
				_, msg, err := c.conn.ReadMessage()
				if err != nil {
					return
				}
				if seqs := seqsIn(msg); len(seqs) > 0 {
					all[i] = append(all[i], seqs...)
					progress[i] <- seqs[len(seqs)-1]
				}
			}
		})
	}
	// Lockstep with the fast clients: each batch is read by all of them
	// before the next, so only the slow one can fall behind the ring. Go on
	// until the slow one's socket is full and it is evicted, then a little
	// more to see the others unaffected.
	big := strings.Repeat("x", 64<<10)
	var want []uint64
	extra := 0
	for batch := 0; extra < 20; batch++ {
		if batch == 5000 {
			t.Fatalf("slow client never evicted (stats %+v)", ts.Stats())
		}
		if ts.Stats().Evicted > 0 {
			extra++
		}
		seqs := logN(t, ts.runs, run, 4, big)
		want = append(want, seqs...)
		for i := range fast {
			for s := uint64(0); s < seqs[len(seqs)-1]; {
				v, ok := <-progress[i]
				if !ok {
					t.Fatalf("fast client %d disconnected (stats %+v)", i, ts.Stats())
				}
				s = v
			}
		}
	}
	// The slow client's connection is closed: draining it ends in an error
	// that is not a timeout.
	for {
		_, err := slow.next()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("slow client still connected after %d lines: %v", len(want), err)
			}
			break
		}
	}
	if st := ts.Stats(); st.Evicted != 1 || st.Clients != fast {
		t.Errorf("stats %+v: want 1 eviction and %d clients left", st, fast)
	}
	ts.Close()
	wg.Wait()
	for i := range fast {
		if fmt.Sprint(all[i]) != fmt.Sprint(want) {
			t.Errorf("fast client %d got %d lines, want %d, with no gap or duplicate", i, len(all[i]), len(want))
		}
	}
}

// A client that reconnects and resumes after the last seq it saw gets the
// rest of the log with no gap and no duplicate, whether or not the topic
// survived in between.
func TestHubResume(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ring     int
		keepOpen bool // another client keeps the topic (and its ring) alive
	}{
		{"topic torn down", 4096, false},
		{"topic kept, ring covers", 4096, true},
		{"topic kept, ring overflowed", 32, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, Options{LogRing: tc.ring})
			run := ts.runs.Create("backup", "manual", "", nil).ID
			// The keeper holds the topic open; reading up to the last line
			// logged makes sure its watch has caught up with the store.
			var keeper *wsClient
			var kept uint64
			keep := func(until uint64) {
				if keeper == nil {
					return
				}
				got, err := keeper.readLog(run, until)
				if err != nil {
					t.Fatalf("keeper: %v", err)
				}
				kept = got[len(got)-1].Seq
			}
			if tc.keepOpen {
				keeper = ts.dial(t, nil)
				keeper.send(subLog(run, 0))
				keeper.waitFor("live")
			}
			first := logN(t, ts.runs, run, 100, "before")
			keep(first[len(first)-1])
			c1 := ts.dial(t, nil)
			c1.send(subLog(run, 0))
			got, err := c1.readLog(run, first[40])
			if err != nil {
				t.Fatal(err)
			}
			c1.conn.Close() // drop mid-stream
			resumeAfter := got[len(got)-1].Seq
			second := logN(t, ts.runs, run, 300, "while away")
			keep(second[len(second)-1])
			_ = kept
			all := append(first, second...)
			var want []uint64
			for _, s := range all {
				if s > resumeAfter {
					want = append(want, s)
				}
			}
			c2 := ts.dial(t, nil)
			c2.send(subLog(run, resumeAfter))
			rest, err := c2.readLog(run, all[len(all)-1])
			if err != nil {
				t.Fatal(err)
			}
			checkSeqs(t, "resumed", rest, want)
		})
	}
}

// The runs topic sends a snapshot, then changes of runs in the filter,
// including the change that takes a run out of it.
func TestHubRunsFilter(t *testing.T) {
	ts := newTestServer(t, Options{})
	old := ts.runs.Create("backup", "schedule:backup/0@2026-01-01T02:00:00Z", "home", nil)
	_ = ts.runs.Start(old.ID)
	_ = ts.runs.Finish(old.ID, nil, "boom")
	c := ts.dial(t, nil)
	c.send(map[string]any{"op": "sub", "topic": "runs", "filter": map[string]any{"plugin": "backup", "status": "running"}})
	snap := c.waitFor("runs")
	if len(snap.Runs) != 0 {
		t.Fatalf("snapshot has %d runs, want none running", len(snap.Runs))
	}
	other := ts.runs.Create("archive", "manual", "", nil) // other plugin: never sent
	_ = ts.runs.Start(other.ID)
	r := ts.runs.Create("backup", "manual", "", nil)
	_ = ts.runs.Start(r.ID)                             // enters the filter
	_ = ts.runs.Finish(r.ID, nil, "")                   // leaves it: sent so the page drops it
	_ = ts.runs.Start(other.ID)                         // still not sent
	next := ts.runs.Create("backup", "manual", "", nil) // queued: not sent
	_ = next
	var statuses []string
	for len(statuses) < 2 {
		f := c.waitFor("run")
		var rec runner.RunRecord
		if err := jsonUnmarshal(f.Run, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Plugin != "backup" || rec.Status == runner.StatusQueued {
			t.Fatalf("got change of run %s (%s, %s), outside the filter", rec.ID, rec.Plugin, rec.Status)
		}
		if rec.ID == r.ID {
			statuses = append(statuses, rec.Status)
		}
	}
	if strings.Join(statuses, ",") != "running,succeeded" {
		t.Errorf("statuses = %v, want running then succeeded", statuses)
	}
}

// seqsIn returns the log line seqs in a websocket message, in order.
func seqsIn(msg []byte) []uint64 {
	var out []uint64
	key := []byte(`{"seq":`) // a LogLine object, not a live frame
	for {
		i := bytes.Index(msg, key)
		if i < 0 {
			return out
		}
		msg = msg[i+len(key):]
		j := bytes.IndexFunc(msg, func(r rune) bool { return r < '0' || r > '9' })
		if v, err := strconv.ParseUint(string(msg[:j]), 10, 64); err == nil {
			out = append(out, v)
		}
	}
}

// Hammer: clients subscribe, unsubscribe and disconnect at random while
// three runs log. Nothing races or deadlocks, every client sees each log in
// order without duplicates, and when everyone has left no watch is open.
func TestHubHammer(t *testing.T) {
	ts := newTestServer(t, Options{LogRing: 128})
	runs := []string{
		ts.runs.Create("backup", "manual", "", nil).ID,
		ts.runs.Create("archive", "manual", "", nil).ID,
		ts.runs.Create("cleanup", "manual", "", nil).ID,
	}
	stop := make(chan struct{})
	var prod sync.WaitGroup
	for _, run := range runs {
		prod.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				logN(t, ts.runs, run, 1, "hammer")
				if i%20 == 0 {
					time.Sleep(time.Millisecond) // leave the CPUs to the clients
				}
			}
		})
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			for round := range 4 {
				c := ts.dial(t, nil)
				run := runs[(i+round)%len(runs)]
				c.send(subLog(run, 0))
				c.send(map[string]any{"op": "sub", "topic": "runs"})
				var last uint64
				for got := 0; got < 100; {
					fs, err := c.next()
					if err != nil {
						t.Errorf("client %d: %v", i, err)
						return
					}
					for _, f := range fs {
						for _, l := range f.Lines {
							if l.Seq <= last {
								t.Errorf("client %d: seq %d after %d", i, l.Seq, last)
							}
							last = l.Seq
							got++
						}
					}
				}
				if round%2 == 0 {
					c.send(map[string]any{"op": "unsub", "topic": "log", "run": run})
				}
				c.conn.Close()
			}
		})
	}
	wg.Wait()
	close(stop)
	prod.Wait()
	for st := ts.Stats(); st.Clients > 0 || st.LogTopics > 0 || st.RunsWatchers > 0; st = ts.Stats() {
		runtime.Gosched() // closed connections are removed asynchronously
	}
}
