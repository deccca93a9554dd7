package batch

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/drive"
)

// kvApplier applies an item by creating key "t.<id>" in a target bucket: a
// second creation of the same key is a double application unless the
// executor said maybeApplied, and is then recorded as "violation.<id>".
type kvApplier struct {
	kv   jetstream.KeyValue
	node string
	slow time.Duration
}

const targetBucket = "batch_target"

func targetKey(id string) string { return "t." + strings.ReplaceAll(id, ".", "_") }

func (a kvApplier) Apply(ctx context.Context, _ string, it drive.BatchRequest, maybe bool) drive.BatchResult {
	if a.slow > 0 {
		time.Sleep(a.slow)
	}
	_, err := a.kv.Create(ctx, targetKey(it.ID), []byte(a.node))
	switch {
	case err == nil:
		return drive.BatchResult{ID: it.ID, Status: http.StatusCreated}
	case errors.Is(err, jetstream.ErrKeyExists) && maybe:
		return drive.BatchResult{ID: it.ID, Status: http.StatusOK}
	case errors.Is(err, jetstream.ErrKeyExists):
		_, _ = a.kv.Put(ctx, "violation."+strings.ReplaceAll(it.ID, ".", "_"), []byte(a.node))
		return drive.BatchResult{ID: it.ID, Status: http.StatusConflict}
	default:
		return drive.BatchResult{ID: it.ID, Status: http.StatusInternalServerError, Error: &drive.Error{Code: "InternalError", Message: err.Error()}}
	}
}

func countKeys(ctx context.Context, kv jetstream.KeyValue, filter string) (int, error) {
	l, err := kv.ListKeysFiltered(ctx, filter)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for range l.Keys() {
		n++
	}
	return n, nil
}

func items(n int) []drive.BatchRequest {
	out := make([]drive.BatchRequest, n)
	for i := range out {
		out[i] = drive.BatchRequest{ID: "i" + itoa(i), Op: drive.OpCopy, FileID: "f" + itoa(i), ToParentID: "dst"}
	}
	return out
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

// chunkKV is kvApplier as a ChunkApplier: fresh chunks in one call, so a
// kill lands inside ApplyChunk and the next attempt goes item by item.
type chunkKV struct{ kvApplier }

func (c chunkKV) ApplyChunk(ctx context.Context, account string, items []drive.BatchRequest) ([]drive.BatchResult, error) {
	out := make([]drive.BatchResult, len(items))
	for i, it := range items {
		out[i] = c.Apply(ctx, account, it, false)
	}
	return out, nil
}
