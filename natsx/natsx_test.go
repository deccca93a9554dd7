package natsx

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/config"
)

func TestEmbeddedStoreUnderDataDir(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(context.Background(), Options{DataDir: dir, Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Embedded() || c.URL != "" {
		t.Fatalf("embedded=%v url=%q, want in-process only", c.Embedded(), c.URL)
	}
	if _, err := c.EnsureStream(context.Background(), jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}}); err != nil {
		t.Fatal(err)
	}
	if got := c.Server.JetStreamConfig().StoreDir; !strings.HasPrefix(got, dir) {
		t.Fatalf("store %s is not under the data folder %s", got, dir)
	}
	c.Close()
	// The stream survives a restart.
	c, err = Open(context.Background(), Options{DataDir: dir, Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.JS.Stream(context.Background(), "S"); err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no data dir", Options{}, "needs a data folder"},
		{"bad listen", Options{DataDir: t.TempDir(), NATS: config.NATS{Listen: "nope"}}, "nats.listen"},
		{"nothing at url", Options{NATS: config.NATS{URL: "nats://127.0.0.1:1"}, ReadyTimeout: time.Second}, "is the server running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(context.Background(), tt.o)
			if err == nil {
				c.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestListenerNeedsToken(t *testing.T) {
	c, err := Open(context.Background(), Options{DataDir: t.TempDir(), NATS: config.NATS{Listen: "127.0.0.1:-1"}, Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if nc, err := nats.Connect(c.URL); err == nil {
		nc.Close()
		t.Fatal("connected without the token")
	}
	ext, err := Open(context.Background(), Options{NATS: config.NATS{URL: c.URL}, Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	if ext.Embedded() {
		t.Fatal("external connection claims to embed")
	}
	second, err := c.NewClient("second")
	if err != nil {
		t.Fatal(err)
	}
	second.Close()
}
