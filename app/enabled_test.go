package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/testbin"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/trigger"
)

// startNATSServer runs nats-server with JetStream on a loopback port and
// returns its URL.
func startNATSServer(t *testing.T) string {
	return testbin.StartNATS(t).URL
}

// waitFor polls cond until it holds (or fails the test after 15 s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func relayEnabled(t *testing.T, n *node) bool {
	t.Helper()
	pi, err := n.Host.Plugin("relay")
	if err != nil {
		t.Fatal(err)
	}
	return pi.Enabled
}

// publishConsumed publishes an event on subject and waits until the
// trigger router (on any node) has handled it.
func publishConsumed(t *testing.T, n *node, subject string) {
	t.Helper()
	ctx := context.Background()
	ack, err := n.Conn.JS.Publish(ctx, subject, []byte(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the router to handle "+subject, func() bool {
		c, err := n.Conn.JS.Consumer(ctx, trigger.EventsStream, trigger.EventsConsumer)
		if err != nil {
			return false
		}
		ci, err := c.Info(ctx)
		return err == nil && ci.AckFloor.Stream >= ack.Sequence && ci.NumAckPending == 0
	})
}

// TestEnableDisableIsClusterWide: two nodes on one nats-server. Disabling
// relay through node 1 stops node 2 from running it (events make no run, a
// manual trigger and a direct call are refused), enabling it through node
// 2 brings both back, and the state survives restarting both nodes.
func TestEnableDisableIsClusterWide(t *testing.T) {
	url := startNATSServer(t)
	ctx := context.Background()
	dir1, dir2 := t.TempDir(), t.TempDir()
	start := func() (*node, *node) {
		n1 := startNode(t, testConfig(t, dir1, map[string]any{"nats.url": url, "nats.listen": "", "node_name": "n1"}), time.Second)
		n2 := startNode(t, testConfig(t, dir2, map[string]any{"nats.url": url, "nats.listen": "", "node_name": "n2"}), time.Second)
		return n1, n2
	}
	n1, n2 := start()
	if !relayEnabled(t, n1) || !relayEnabled(t, n2) {
		t.Fatal("relay starts disabled")
	}

	if err := n1.Service.SetEnabled(ctx, "relay", false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node 2 to see relay disabled", func() bool { return !relayEnabled(t, n2) })
	if _, err := n2.Service.Trigger(ctx, "relay", "noop", nil, ""); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("trigger through node 2 while disabled: err = %v", err)
	}
	if _, err := n2.Host.Call(ctx, runner.CallRequest{Plugin: "relay", Entry: "noop"}, nil); !errors.Is(err, runner.ErrDisabled) {
		t.Fatalf("node 2 runs relay while disabled: err = %v", err)
	}
	publishConsumed(t, n1, "app.test.off")
	runs, err := n2.Service.ListRuns(ctx, runner.RunFilter{Plugin: "relay"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Trigger == "subject:app.test.off" {
			t.Fatalf("an event made a run of the disabled plugin: %+v", r)
		}
	}

	if err := n2.Service.SetEnabled(ctx, "relay", true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node 1 to see relay enabled", func() bool { return relayEnabled(t, n1) })
	if err := n1.Conn.NC.Publish("app.test.on", []byte(`{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	if r := waitRun(t, n2.Service, runner.RunFilter{Plugin: "relay"}, finished("subject:app.test.on")); r.Status != runner.StatusSucceeded {
		t.Fatalf("run after enabling again = %+v", r)
	}

	// Off again, then restart both nodes: they start with it off.
	if err := n2.Service.SetEnabled(ctx, "relay", false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node 1 to see relay disabled", func() bool { return !relayEnabled(t, n1) })
	n1.shutdown()
	n2.shutdown()
	n1, n2 = start()
	if relayEnabled(t, n1) || relayEnabled(t, n2) {
		t.Fatalf("after a restart relay is enabled on n1 %v, n2 %v; want off on both", relayEnabled(t, n1), relayEnabled(t, n2))
	}
	ps, err := n1.Service.Plugins(ctx)
	if err != nil || len(ps) != 1 || ps[0].Enabled {
		t.Fatalf("plugins after restart = %+v, %v", ps, err)
	}
}

// TestEnableDisableEmbedded: one node with the embedded NATS keeps the
// operator's choice across a restart too, and the errors of the host
// still reach the caller.
func TestEnableDisableEmbedded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := startNode(t, testConfig(t, dir, nil), time.Second)
	if err := n.Service.SetEnabled(ctx, "nope", false); !errors.Is(err, runner.ErrUnknownPlugin) {
		t.Fatalf("disable an unknown plugin: err = %v", err)
	}
	if err := n.Service.SetEnabled(ctx, "relay", false); err != nil {
		t.Fatal(err)
	}
	if relayEnabled(t, n) {
		t.Fatal("relay still enabled after disable")
	}
	n.shutdown()
	n = startNode(t, testConfig(t, dir, nil), time.Second)
	if relayEnabled(t, n) {
		t.Fatal("relay enabled again after a restart")
	}
	if err := n.Service.SetEnabled(ctx, "relay", true); err != nil {
		t.Fatal(err)
	}
	rec, err := n.Service.Trigger(ctx, "relay", "noop", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, n.Service, runner.RunFilter{Plugin: "relay"}, func(r *runner.RunRecord) bool {
		return r.ID == rec.ID && r.Status == runner.StatusSucceeded
	})
}
