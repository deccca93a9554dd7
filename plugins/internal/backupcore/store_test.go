package backupcore

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// memKV is a real in-memory KV (not a mock): the store's contract is only
// get/put/delete of byte values.
type memKV struct {
	m       map[string][]byte
	failPut string // a key prefix whose puts fail
}

func (k *memKV) Get(key string) ([]byte, error) {
	v, ok := k.m[key]
	if !ok {
		return nil, ErrNoKey
	}
	return v, nil
}

func (k *memKV) Put(key string, v []byte) error {
	if k.failPut != "" && strings.HasPrefix(key, k.failPut) {
		return errors.New("disk full")
	}
	k.m[key] = append([]byte(nil), v...) // Put must not keep v
	return nil
}

func (k *memKV) Delete(key string) error { delete(k.m, key); return nil }

func TestStoreSaveLoad(t *testing.T) {
	kv := &memKV{m: map[string][]byte{}}
	s := &Store{KV: kv, Prefix: "backup/x/", ChunkSize: 1000}
	empty, err := s.Load()
	if err != nil || len(empty.Entries) != 0 {
		t.Fatalf("Load on empty KV = %v, %v", empty, err)
	}
	m1 := sampleManifest(500)
	if _, err := s.Save(m1); err != nil {
		t.Fatal(err)
	}
	chunks1 := len(kv.m) - 1
	if chunks1 < 2 {
		t.Fatalf("want several chunks, got %d", chunks1)
	}
	got, err := s.Load()
	if err != nil || !reflect.DeepEqual(got, m1) {
		t.Fatalf("Load after Save: %v", err)
	}
	// A second save replaces the generation and removes the old chunks.
	m2 := sampleManifest(10)
	if _, err := s.Save(m2); err != nil {
		t.Fatal(err)
	}
	for k := range kv.m {
		if strings.HasPrefix(k, "backup/x/g1/") {
			t.Fatalf("old chunk %s left behind", k)
		}
	}
	// A save that fails mid-way leaves the previous manifest readable.
	kv.failPut = "backup/x/g3/"
	if _, err := s.Save(m1); err == nil {
		t.Fatal("Save with failing KV succeeded")
	}
	got, err = s.Load()
	if err != nil || !reflect.DeepEqual(got, m2) {
		t.Fatalf("after failed save: %v", err)
	}
	// Tampered chunk is detected.
	kv.failPut = ""
	kv.m["backup/x/g2/0"] = []byte("WDM1zz")
	if _, err := s.Load(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Load of tampered chunk = %v, want ErrCorrupt", err)
	}
}
