// Package jskv implements runner.KV (per-plugin durable state) over a
// JetStream key-value bucket, with compare-and-set on revisions, so every
// node sees the same plugin state.
//
// Plugin keys are arbitrary strings; NATS KV keys allow only
// [A-Za-z0-9_/-=.] with no empty dot-separated token. Keys are therefore
// escaped byte by byte: letters, digits, '_', '-' and '/' stay, every other
// byte becomes "=HH" (upper-case hex). The escape is prefix-preserving, so
// List(prefix) is a filter on escaped keys.
package jskv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
)

// Bucket is the default bucket name for plugin state.
const Bucket = namespace.StateBucket

// KV is runner.KV over a JetStream bucket. Every operation has its own
// deadline and a bounded retry (Retry), whatever the caller's context
// allows: a read or write lost when the server restarts fails over, and
// one that keeps failing returns an error matching natsx.ErrUnavailable.
type KV struct {
	kv jetstream.KeyValue
	// Retry is the per-operation deadline and retry (zero: natsx.DefaultRetry).
	Retry natsx.Retry
}

var _ runner.KV = (*KV)(nil)

// New wraps a bucket.
func New(kv jetstream.KeyValue) *KV { return &KV{kv: kv} }

// Open creates (idempotently) and wraps the bucket name, capped at
// maxBytes (≤ 0: no cap).
func Open(ctx context.Context, js jetstream.JetStream, bucket string, replicas int, maxBytes int64) (*KV, error) {
	if replicas <= 0 {
		replicas = 1
	}
	if maxBytes <= 0 {
		maxBytes = -1
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: bucket, Description: "wasmdrive plugin state", History: 1, Replicas: replicas, MaxBytes: maxBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("jskv: bucket %s: %w", bucket, err)
	}
	return New(kv), nil
}

// Get returns the value and revision of key, or runner.ErrKVNotFound.
func (k *KV) Get(ctx context.Context, key string) (runner.KVEntry, error) {
	if key == "" {
		return runner.KVEntry{}, errors.New("jskv: empty key")
	}
	var e jetstream.KeyValueEntry
	err := natsx.Call(ctx, k.Retry, "jskv: get", func(ctx context.Context) error {
		var err error
		e, err = k.kv.Get(ctx, Escape(key))
		return err
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return runner.KVEntry{}, fmt.Errorf("jskv: get %q: %w", key, runner.ErrKVNotFound)
	}
	if err != nil {
		return runner.KVEntry{}, fmt.Errorf("jskv: get %q: %w", key, err)
	}
	return runner.KVEntry{Key: key, Value: e.Value(), Revision: e.Revision()}, nil
}

// Put stores value; with expectRev it is a compare-and-set (0: must not
// exist). A failed CAS returns runner.ErrKVConflict.
func (k *KV) Put(ctx context.Context, key string, value []byte, expectRev *uint64) (uint64, error) {
	if key == "" {
		return 0, errors.New("jskv: empty key")
	}
	ek := Escape(key)
	var (
		rev     uint64
		retried bool
	)
	err := natsx.Call(ctx, k.Retry, "jskv: put", func(ctx context.Context) error {
		var err error
		switch {
		case expectRev == nil:
			rev, err = k.kv.Put(ctx, ek, value)
		case *expectRev == 0:
			rev, err = k.kv.Create(ctx, ek, value)
		default:
			rev, err = k.kv.Update(ctx, ek, value, *expectRev)
		}
		if retried && isConflict(err) {
			// An earlier attempt may have been stored with its reply
			// lost: then the bucket holds this very value.
			if e, gerr := k.kv.Get(ctx, ek); gerr == nil && bytes.Equal(e.Value(), value) {
				rev, err = e.Revision(), nil
			}
		}
		retried = true
		return err
	})
	if isConflict(err) {
		return 0, fmt.Errorf("jskv: put %q: %w", key, runner.ErrKVConflict)
	}
	if natsx.StorageFull(err) {
		return 0, fmt.Errorf("jskv: put %q: %w: %w", key, drive.ErrDiskFull, err)
	}
	if err != nil {
		return 0, fmt.Errorf("jskv: put %q: %w", key, err)
	}
	return rev, nil
}

func isConflict(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// Delete removes key (a missing key is not an error).
func (k *KV) Delete(ctx context.Context, key string) error {
	err := natsx.Call(ctx, k.Retry, "jskv: delete", func(ctx context.Context) error {
		return k.kv.Delete(ctx, Escape(key))
	})
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("jskv: delete %q: %w", key, err)
	}
	return nil
}

// List returns the keys starting with prefix, sorted.
func (k *KV) List(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	err := natsx.Call(ctx, k.Retry, "jskv: list", func(ctx context.Context) error {
		out = nil
		return k.list(ctx, Escape(prefix), &out)
	})
	if err != nil {
		return nil, fmt.Errorf("jskv: list: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// list is one attempt of List; the listing ends with ctx (its deadline).
func (k *KV) list(ctx context.Context, ep string, out *[]string) error {
	lister, err := k.kv.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = lister.Stop() }()
	keys := lister.Keys()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ek, ok := <-keys:
			if !ok {
				return nil
			}
			if !strings.HasPrefix(ek, ep) {
				continue
			}
			if key, err := Unescape(ek); err == nil { // else not written by us
				*out = append(*out, key)
			}
		}
	}
}
