package trigger

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
)

// TestEmitSetsChainHeaders: a run's emit carries the run's hop plus one
// and its ID, whatever chain headers the plugin tried to set itself.
func TestEmitSetsChainHeaders(t *testing.T) {
	c, _ := openQueue(t, t.TempDir())
	sub, err := c.NC.SubscribeSync("app.out")
	if err != nil {
		t.Fatal(err)
	}
	e := NewEmitter(c, nil)
	ctx := runner.WithCause(context.Background(), runner.Cause{RunID: "run-7", Hop: 2})
	forged := map[string]string{namespace.HopHeader: "0", namespace.CausedByHeader: "nobody", "X-Mine": "kept"}
	if err := e.Emit(ctx, "app.out", []byte(`{}`), forged); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{namespace.HopHeader: "3", namespace.CausedByHeader: "run-7", "X-Mine": "kept"}
	for k, v := range want {
		if got := m.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

func TestEventHop(t *testing.T) {
	tests := []struct {
		val  string
		want int
	}{{"", 0}, {"3", 3}, {"-1", 0}, {"x", 0}, {"99", 99}}
	for _, tt := range tests {
		h := nats.Header{}
		if tt.val != "" {
			h.Set(namespace.HopHeader, tt.val)
		}
		if got := eventHop(h); got != tt.want {
			t.Errorf("eventHop(%q) = %d, want %d", tt.val, got, tt.want)
		}
	}
}
