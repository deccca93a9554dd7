package kvfile

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
)

func open(t *testing.T, path string) *KV {
	t.Helper()
	k, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func rev(n uint64) *uint64 { return &n }

func TestCompareAndSet(t *testing.T) {
	ctx := context.Background()
	k := open(t, filepath.Join(t.TempDir(), "kv.db"))
	if _, err := k.Get(ctx, "a"); !errors.Is(err, runner.ErrKVNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	r1, err := k.Put(ctx, "a", []byte("1"), rev(0))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		expect *uint64
		ok     bool
	}{
		{"create again", rev(0), false},
		{"stale revision", rev(r1 + 7), false},
		{"right revision", rev(r1), true},
		{"old revision after update", rev(r1), false},
		{"unconditional", nil, true},
	}
	for _, tc := range tests {
		_, err := k.Put(ctx, "a", []byte(tc.name), tc.expect)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, runner.ErrKVConflict)) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	e, err := k.Get(ctx, "a")
	if err != nil || string(e.Value) != "unconditional" || e.Revision <= r1 {
		t.Fatalf("entry = %+v, %v", e, err)
	}
	if err := k.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Put(ctx, "a", nil, rev(e.Revision)); !errors.Is(err, runner.ErrKVConflict) {
		t.Fatalf("CAS on a deleted key: %v", err)
	}
	if err := k.Delete(ctx, "missing"); err != nil {
		t.Fatal(err)
	}
}

func TestListAndDurability(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kv.db")
	k, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"p.b", "p.a", "q.a", "p%x", "p_y"} {
		if _, err := k.Put(ctx, key, []byte(key), nil); err != nil {
			t.Fatal(err)
		}
	}
	k.Close()
	k = open(t, path)
	got, err := k.List(ctx, "p.")
	if err != nil || !slices.Equal(got, []string{"p.a", "p.b"}) {
		t.Fatalf("list p. = %v, %v", got, err)
	}
	if got, _ := k.List(ctx, "p%"); !slices.Equal(got, []string{"p%x"}) {
		t.Fatalf("list p%% = %v (LIKE wildcards must not apply)", got)
	}
	if got, _ := k.List(ctx, ""); len(got) != 5 {
		t.Fatalf("list all = %v", got)
	}
}

func TestConcurrentIncrements(t *testing.T) {
	ctx := context.Background()
	k := open(t, filepath.Join(t.TempDir(), "kv.db"))
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; {
				e, err := k.Get(ctx, "n")
				var cur int
				expect := uint64(0)
				if err == nil {
					fmt.Sscan(string(e.Value), &cur)
					expect = e.Revision
				}
				if _, err := k.Put(ctx, "n", []byte(fmt.Sprint(cur+1)), &expect); err == nil {
					i++
				} else if !errors.Is(err, runner.ErrKVConflict) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	e, err := k.Get(ctx, "n")
	if err != nil || string(e.Value) != "40" {
		t.Fatalf("counter = %s, %v; want 40 (lost updates)", e.Value, err)
	}
}
