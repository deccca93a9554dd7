package runner

import (
	"context"
	"strings"
	"testing"
)

const initlogDir = "testdata/plugins/initlog"

// initLine is what the initlog plugin's package init writes to stderr
// (its InitLine).
const initLine = "initlog: package init ran"

// TestPrewarmRunsInitialize: an instance made ready ahead of time has run
// the guest's _initialize (the Go package init of the initlog plugin logs
// a line), so the first call on it does not run it again; without a
// prewarm the first call does. max_instances is 1, so every call gets the
// same instance.
func TestPrewarmRunsInitialize(t *testing.T) {
	tests := []struct {
		name         string
		prewarm      func(t *testing.T, h *Host)
		initInFirst  bool
		idleAfterPre int
	}{
		{name: "no prewarm: the first call initialises", prewarm: func(*testing.T, *Host) {}, initInFirst: true},
		{name: "Host.Prewarm", idleAfterPre: 1, prewarm: func(t *testing.T, h *Host) {
			if idle, err := h.Prewarm(context.Background(), "initlog", 5); err != nil || idle != 1 {
				t.Fatalf("Prewarm = %d idle, %v; want 1 (max_instances)", idle, err)
			}
		}},
		{name: "prewarm on load", idleAfterPre: 1, prewarm: func(t *testing.T, h *Host) {
			v, err := h.current("initlog")
			if err != nil {
				t.Fatal(err)
			}
			v.pool.prewarm(context.Background()) // what loading a plugin starts in a goroutine
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHost(t, Options{NoPrewarm: true}, initlogDir)
			if pi, err := h.Plugin("initlog"); err != nil || pi.Error != "" {
				t.Fatalf("initlog plugin: %+v %v", pi, err)
			}
			tt.prewarm(t, h)
			v, _ := h.current("initlog")
			if idle, _ := v.pool.stats(); idle != tt.idleAfterPre {
				t.Fatalf("%d idle instances after the prewarm, want %d", idle, tt.idleAfterPre)
			}
			for i, wantInit := range []bool{tt.initInFirst, false} {
				sink := &memSink{}
				res, err := h.Call(context.Background(), CallRequest{Plugin: "initlog", Entry: "hello", RunID: "r"}, sink)
				if err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
				if string(res.Output) != `"hi"` {
					t.Fatalf("call %d output = %s", i+1, res.Output)
				}
				_, ran := sink.find("stderr", initLine)
				if ran != wantInit {
					t.Fatalf("call %d: _initialize ran in it = %v, want %v; log: %s", i+1, ran, wantInit, sinkText(sink))
				}
			}
		})
	}
}

func sinkText(s *memSink) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, l := range s.lines {
		b.WriteString(l.Source + ": " + l.Msg + "\n")
	}
	return b.String()
}

// BenchmarkFirstCall times the first call on a fresh instance of the
// initlog plugin: created on demand (cold), instantiated beforehand but not
// initialised (instantiated: what a prewarm did before it ran
// _initialize), or prewarmed (instantiated and initialised beforehand).
// The preparation is outside the timer.
//
//	go test ./runner -run '^$' -bench FirstCall -benchtime 20x
func BenchmarkFirstCall(b *testing.B) {
	h := newTestHost(b, Options{NoPrewarm: true}, initlogDir)
	v, err := h.current("initlog")
	if err != nil {
		b.Fatal(err)
	}
	prepare := map[string]func(p *pool) error{
		"cold": func(*pool) error { return nil },
		"instantiated": func(p *pool) error {
			in, err := p.acquire(context.Background())
			if err == nil {
				p.put(in, false)
			}
			return err
		},
		"prewarmed": func(p *pool) error { _, err := p.warmIdle(context.Background(), 1); return err },
	}
	for _, name := range []string{"cold", "instantiated", "prewarmed"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fresh := *v
				fresh.pool = newPool(v.pool.comp, 1, v.pool.config, nil, v.pool.initTimeout, func(*compiled) {})
				if err := prepare[name](fresh.pool); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := h.callVersion(context.Background(), &fresh, CallRequest{Plugin: "initlog", Entry: "hello"}, &memSink{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				fresh.pool.retire()
				b.StartTimer()
			}
		})
	}
}
