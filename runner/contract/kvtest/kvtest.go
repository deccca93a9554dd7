// Package kvtest is the contract every contract.KV passes (the JetStream
// store, the SQLite file store and the demo's folder store): one suite,
// like drive/drivetest, so a fake cannot answer differently from the real
// service. A store that cannot pass it is fixed or deleted, not excused.
package kvtest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// Run runs the suite; newKV returns a fresh, empty store per subtest.
func Run(t *testing.T, newKV func(t *testing.T) contract.KV) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, kv contract.KV)
	}{
		{"GetMissing", testGetMissing},
		{"PutGetRevisions", testRevisions},
		{"CompareAndSet", testCompareAndSet},
		{"CompareAndSetAfterDelete", testCASAfterDelete},
		{"Delete", testDelete},
		{"ListPrefix", testList},
		{"AwkwardKeysAndValues", testAwkward},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newKV(t)) })
	}
}

var ctx = context.Background()

func rev(n uint64) *uint64 { return &n }

func put(t *testing.T, kv contract.KV, key, value string, expect *uint64) uint64 {
	t.Helper()
	r, err := kv.Put(ctx, key, []byte(value), expect)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if r == 0 {
		t.Fatalf("Put(%q) returned revision 0", key)
	}
	return r
}

func testGetMissing(t *testing.T, kv contract.KV) {
	if _, err := kv.Get(ctx, "nope"); !errors.Is(err, contract.ErrKVNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrKVNotFound", err)
	}
}

func testRevisions(t *testing.T, kv contract.KV) {
	r1 := put(t, kv, "a", "one", nil)
	e, err := kv.Get(ctx, "a")
	if err != nil || string(e.Value) != "one" || e.Revision != r1 || e.Key != "a" {
		t.Fatalf("Get after Put = %+v, %v; want value one, revision %d", e, err, r1)
	}
	r2 := put(t, kv, "a", "two", nil)
	if r2 <= r1 {
		t.Fatalf("second Put revision %d, not above the first's %d", r2, r1)
	}
	if e, _ := kv.Get(ctx, "a"); string(e.Value) != "two" || e.Revision != r2 {
		t.Fatalf("Get after the second Put = %+v, want two at %d", e, r2)
	}
}

func testCompareAndSet(t *testing.T, kv contract.KV) {
	r1 := put(t, kv, "c", "v1", rev(0)) // 0: must not exist
	if _, err := kv.Put(ctx, "c", []byte("x"), rev(0)); !errors.Is(err, contract.ErrKVConflict) {
		t.Fatalf("create of an existing key: %v, want ErrKVConflict", err)
	}
	r2 := put(t, kv, "c", "v2", rev(r1))
	if _, err := kv.Put(ctx, "c", []byte("stale"), rev(r1)); !errors.Is(err, contract.ErrKVConflict) {
		t.Fatalf("put with the stale revision %d: %v, want ErrKVConflict", r1, err)
	}
	if e, _ := kv.Get(ctx, "c"); string(e.Value) != "v2" || e.Revision != r2 {
		t.Fatalf("after a refused CAS = %+v, want v2 at %d", e, r2)
	}
}

func testCASAfterDelete(t *testing.T, kv contract.KV) {
	r1 := put(t, kv, "d", "v1", nil)
	if err := kv.Delete(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	put(t, kv, "d", "v2", rev(0)) // gone: may be created again
	if _, err := kv.Put(ctx, "d", []byte("stale"), rev(r1)); !errors.Is(err, contract.ErrKVConflict) {
		t.Fatalf("put with the revision %d from before the delete: %v, want ErrKVConflict", r1, err)
	}
}

func testDelete(t *testing.T, kv contract.KV) {
	put(t, kv, "gone", "x", nil)
	if err := kv.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "gone"); !errors.Is(err, contract.ErrKVNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrKVNotFound", err)
	}
	if err := kv.Delete(ctx, "never"); err != nil {
		t.Fatalf("Delete of a missing key: %v, want nil", err)
	}
	if keys, err := kv.List(ctx, ""); err != nil || len(keys) != 0 {
		t.Fatalf("List after Delete = %v, %v", keys, err)
	}
}

func testList(t *testing.T, kv contract.KV) {
	for _, k := range []string{"p.b", "p.a", "q.a", "p"} {
		put(t, kv, k, "x", nil)
	}
	keys, err := kv.List(ctx, "p.")
	if err != nil || !slices.Equal(keys, []string{"p.a", "p.b"}) {
		t.Fatalf(`List("p.") = %v, %v; want [p.a p.b]`, keys, err)
	}
	all, err := kv.List(ctx, "")
	if err != nil || !slices.Equal(all, []string{"p", "p.a", "p.b", "q.a"}) {
		t.Fatalf(`List("") = %v, %v; want every key, sorted`, all, err)
	}
}

func testAwkward(t *testing.T, kv contract.KV) {
	for _, k := range []string{"a b/c.d", "ünï=cödé", "x..y", "-_=%"} {
		put(t, kv, k, "", nil)
		e, err := kv.Get(ctx, k)
		if err != nil || len(e.Value) != 0 || e.Key != k {
			t.Fatalf("Get(%q) of an empty value = %+v, %v", k, e, err)
		}
	}
	bin := string([]byte{0, '\n', 0xff, 'z'})
	put(t, kv, "bin", bin, nil)
	if e, _ := kv.Get(ctx, "bin"); string(e.Value) != bin {
		t.Fatalf("binary value came back as %q", e.Value)
	}
	if keys, _ := kv.List(ctx, "a b/"); !slices.Equal(keys, []string{"a b/c.d"}) {
		t.Fatalf(`List("a b/") = %v`, keys)
	}
}
