package jskv

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
)

func open(t *testing.T) *KV {
	t.Helper()
	c, err := natsx.Open(context.Background(), natsx.Options{DataDir: t.TempDir(), Name: "jskv-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	kv, err := Open(context.Background(), c.JS, "test_state", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func TestKVCompareAndSet(t *testing.T) {
	ctx := context.Background()
	kv := open(t)
	zero := uint64(0)
	rev, err := kv.Put(ctx, "backup/cursor: a.b", []byte("1"), &zero)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "backup/cursor: a.b", []byte("x"), &zero); !errors.Is(err, runner.ErrKVConflict) {
		t.Fatalf("create on existing key: err = %v, want ErrKVConflict", err)
	}
	stale := rev + 10
	if _, err := kv.Put(ctx, "backup/cursor: a.b", []byte("x"), &stale); !errors.Is(err, runner.ErrKVConflict) {
		t.Fatalf("stale update: err = %v, want ErrKVConflict", err)
	}
	rev2, err := kv.Put(ctx, "backup/cursor: a.b", []byte("2"), &rev)
	if err != nil || rev2 <= rev {
		t.Fatalf("update: rev %d err %v", rev2, err)
	}
	e, err := kv.Get(ctx, "backup/cursor: a.b")
	if err != nil || string(e.Value) != "2" || e.Revision != rev2 {
		t.Fatalf("get = %+v, %v", e, err)
	}
	if _, err := kv.Get(ctx, "missing"); !errors.Is(err, runner.ErrKVNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if err := kv.Delete(ctx, "backup/cursor: a.b"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "backup/cursor: a.b"); !errors.Is(err, runner.ErrKVNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	// Create after delete succeeds.
	if _, err := kv.Put(ctx, "backup/cursor: a.b", []byte("3"), &zero); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
}

func TestKVList(t *testing.T) {
	ctx := context.Background()
	kv := open(t)
	for _, k := range []string{"p/b", "p/a", "q/x", "p.dot", "p/ü"} {
		if _, err := kv.Put(ctx, k, []byte(k), nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"p/", []string{"p/a", "p/b", "p/ü"}},
		{"p", []string{"p.dot", "p/a", "p/b", "p/ü"}},
		{"q/", []string{"q/x"}},
		{"none", nil},
	}
	for _, tt := range tests {
		got, err := kv.List(ctx, tt.prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc/DEF_1-2", "abc/DEF_1-2"},
		{"a.b", "a=2Eb"},
		{"a b", "a=20b"},
		{"=", "=3D"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"=", "=4", "=ZZ", "a.b", "a b"} {
		if _, err := Unescape(bad); err == nil {
			t.Errorf("Unescape(%q) succeeded", bad)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a.b", "=3D", "x/y z", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		back, err := Unescape(e)
		if err != nil || back != s {
			t.Fatalf("roundtrip %q -> %q -> %q, %v", s, e, back, err)
		}
		for i := 0; i < len(e); i++ {
			if !plain(e[i]) && e[i] != '=' {
				t.Fatalf("escaped %q has byte %q", e, e[i])
			}
		}
		// Unescape of arbitrary input must not panic.
		_, _ = Unescape(s)
	})
}
