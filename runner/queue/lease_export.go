package queue

import "context"

// Lease is a held concurrency slot (see lease.go).
type Lease struct{ l *lease }

// Acquire takes one of limit slots of group for holder; ok is false when
// all are held.
func (q *Queue) Acquire(ctx context.Context, group string, limit int, holder string) (*Lease, bool, error) {
	l, ok, err := q.acquire(ctx, group, limit, holder)
	if !ok || err != nil {
		return nil, ok, err
	}
	return &Lease{l: l}, true, nil
}

// Refresh extends the lease; an error means it was lost.
func (q *Queue) Refresh(ctx context.Context, l *Lease, holder string) error {
	return q.refresh(ctx, l.l, holder)
}

// Release frees the lease (only if still held at its revision).
func (q *Queue) Release(ctx context.Context, l *Lease) { q.release(ctx, l.l) }
