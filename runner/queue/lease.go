package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
)

// A lease is one of limit numbered slots of a group ("slot.<group>.<i>")
// in the leases bucket, taken with a create-if-absent (CAS on revision 0)
// and kept alive by updates at the last revision. The bucket's TTL frees a
// slot whose holder died; a release deletes it at the held revision, so a
// holder that lost its lease cannot free somebody else's.
type lease struct {
	key string
	mu  sync.Mutex // orders a heartbeat's refresh against the release
	rev uint64
}

func slotKey(group string, i int) string { return "slot." + Token(group) + "." + strconv.Itoa(i) }

// acquire takes a free slot of group; ok is false when all limit slots are held.
func (q *Queue) acquire(ctx context.Context, group string, limit int, holder string) (*lease, bool, error) {
	for i := 0; i < limit; i++ {
		k := slotKey(group, i)
		rev, err := q.Leases.Create(ctx, k, []byte(holder))
		if err == nil {
			return &lease{key: k, rev: rev}, true, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongLastSeq(err) {
			return nil, false, fmt.Errorf("queue: lease %s: %w", k, err)
		}
	}
	return nil, false, nil
}

func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// refresh extends a lease; it fails if the lease was lost.
func (q *Queue) refresh(ctx context.Context, l *lease, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	rev, err := q.Leases.Update(ctx, l.key, []byte(holder), l.rev)
	if err != nil {
		return fmt.Errorf("queue: lease %s lost: %w", l.key, err)
	}
	l.rev = rev
	return nil
}

func (q *Queue) release(ctx context.Context, l *lease) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := q.Leases.Delete(ctx, l.key, jetstream.LastRevision(l.rev)); err != nil {
		q.log.Debug("release lease", "key", l.key, "err", err)
	}
}

// Running markers ("run.<plugin>.<runid>") say which runs are executing
// anywhere: the overlap policy "skip" looks for them, and a redelivered
// request whose marker is fresh is put back instead of run a second time
// (its node is alive, only late with a heartbeat). They are written
// asynchronously and expire with the bucket TTL unless refreshed.
func markerKey(plugin, runID string) string { return "run." + Token(plugin) + "." + runID }

func (q *Queue) markRunning(plugin, runID, node string) {
	if _, err := q.JS.PublishAsync(namespace.KVSubject(LeasesBucket, markerKey(plugin, runID)), []byte(node)); err != nil {
		q.log.Debug("running marker", "run", runID, "err", err)
	}
}

func (q *Queue) unmarkRunning(plugin, runID string) {
	m := nats.NewMsg(namespace.KVSubject(LeasesBucket, markerKey(plugin, runID)))
	m.Header.Set("KV-Operation", "PURGE")
	m.Header.Set("Nats-Rollup", "sub")
	if _, err := q.JS.PublishMsgAsync(m); err != nil {
		q.log.Debug("running marker", "run", runID, "err", err)
	}
}

// Running reports whether some run of plugin is executing on any node.
func (q *Queue) Running(ctx context.Context, plugin string) (bool, error) {
	l, err := q.Leases.ListKeysFiltered(ctx, "run."+Token(plugin)+".*")
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return false, nil
		}
		return false, fmt.Errorf("queue: running runs of %s: %w", plugin, err)
	}
	defer func() { _ = l.Stop() }()
	for range l.Keys() {
		return true, nil
	}
	return false, nil
}
