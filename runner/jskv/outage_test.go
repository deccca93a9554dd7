package jskv

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/internal/testbin"
	"github.com/wasmdrive/wasmdrive/natsx"
)

// TestKVFailsOverWhenNATSIsGone is issue 12 finding 3 at the KV: with the
// nats-server gone (the client keeps reconnecting), a read or write under a
// context good for hours returns, after its own deadlines and retries, an
// error a plugin sees as retryable "unavailable", instead of waiting for
// the run's timeout.
func TestKVFailsOverWhenNATSIsGone(t *testing.T) {
	srv := testbin.StartNATS(t)
	url := srv.URL
	var err error
	var c *natsx.Conn
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err = natsx.Open(context.Background(), natsx.Options{NATS: config.NATS{URL: url}, ReadyTimeout: time.Second}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	t.Cleanup(c.Close)
	kv, err := Open(context.Background(), c.JS, "outage_state", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(context.Background(), "k", []byte("v"), nil); err != nil {
		t.Fatal(err)
	}
	kv.Retry = natsx.Retry{Timeout: 200 * time.Millisecond, Attempts: 2, Backoff: 10 * time.Millisecond}
	_ = srv.Cmd.Process.Kill()
	_ = srv.Cmd.Wait()

	// The run's context: far longer than the test may take.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, getErr := kv.Get(ctx, "k")
	_, putErr := kv.Put(ctx, "k", []byte("w"), nil)
	for op, err := range map[string]error{"get": getErr, "put": putErr} {
		if ctx.Err() != nil {
			t.Fatalf("%s waited for the caller's deadline: %v", op, err)
		}
		if !errors.Is(err, drive.ErrUnavailable) || !errors.Is(err, natsx.ErrUnavailable) {
			t.Fatalf("%s with NATS gone: %v; want natsx.ErrUnavailable", op, err)
		}
		if ae := hostfuncs.ToABIError(err); ae.Code != "unavailable" || !ae.Retryable {
			t.Fatalf("%s: a plugin sees %+v; want a retryable unavailable", op, ae)
		}
	}
}
