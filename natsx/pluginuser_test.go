package natsx

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
)

// TestPluginClientCannotReachReservedSubjects: the embedded server itself
// refuses the plugin user every reserved subject (batch chunks, control,
// drive events, the JetStream API), while application subjects, with or
// without a JetStream ack, go through.
func TestPluginClientCannotReachReservedSubjects(t *testing.T) {
	for _, listen := range []string{"", "127.0.0.1:-1"} {
		t.Run("listen="+listen, func(t *testing.T) {
			ctx := context.Background()
			c, err := Open(ctx, Options{DataDir: t.TempDir(), NATS: config.NATS{Listen: listen}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			pc, err := c.PluginClient("plugins")
			if err != nil {
				t.Fatal(err)
			}
			if pc == c {
				t.Fatal("no separate plugin user on the embedded server")
			}
			defer pc.Close()
			var leaked atomic.Int32
			reserved := []string{namespace.Batch + ".job1", namespace.ControlEnable, namespace.DriveEventSubject("a", "uploaded"), namespace.RunRequests + ".run.x", "$KV.wasmdrive_plugins_enabled.x", "_INBOX.x"}
			for _, s := range reserved {
				if _, err := c.NC.Subscribe(s, func(*nats.Msg) { leaked.Add(1) }); err != nil {
					t.Fatal(err)
				}
			}
			got := make(chan struct{}, 1)
			if _, err := c.NC.Subscribe("app.done", func(*nats.Msg) { got <- struct{}{} }); err != nil {
				t.Fatal(err)
			}
			if err := c.NC.Flush(); err != nil {
				t.Fatal(err)
			}
			for _, s := range reserved {
				_ = pc.NC.Publish(s, []byte(`{}`))
			}
			// Messages of one publisher reach a subscriber in order: once
			// app.done is in, every reserved publish was dropped or is in.
			if err := pc.NC.Publish("app.done", nil); err != nil {
				t.Fatal(err)
			}
			_ = pc.NC.Flush()
			<-got
			if n := leaked.Load(); n != 0 {
				t.Fatalf("%d reserved publish(es) of the plugin user reached the host", n)
			}
			if err := pc.NC.LastError(); err == nil || !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				t.Fatalf("last error %v, want a permissions violation", err)
			}
			if _, err := c.EnsureStream(ctx, jetstream.StreamConfig{Name: "APP", Subjects: []string{"app.>"}}); err != nil {
				t.Fatal(err)
			}
			actx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if _, err := pc.JS.Publish(actx, "app.event", []byte(`{}`)); err != nil {
				t.Fatalf("JetStream publish on an application subject: %v", err)
			}
			lctx, cancel2 := context.WithTimeout(ctx, 2*time.Second)
			defer cancel2()
			names := pc.JS.StreamNames(lctx)
			for range names.Name() {
				t.Fatal("the plugin user listed a stream")
			}
			if names.Err() == nil {
				t.Fatal("the plugin user reached the JetStream API")
			}
		})
	}
}
