package local

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// txn is a write transaction that prepares each distinct statement once and
// reuses it for the rest of the transaction: a batch chunk runs the same
// few statements a hundred times, and SQLite parsing and planning was a
// third of the cost of a batch copy. Statements are also kept across
// transactions in the drive's writer cache (see stmtCache): an upload runs
// three small transactions per file, and parsing their statements anew
// each time was about an eighth of a backup's CPU time.
type txn struct {
	tx     *sql.Tx
	cache  *stmtCache // nil: none
	stmts  map[string]*sql.Stmt
	missed []string // statements to add to cache after the transaction
}

func (t *txn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	if parent := t.cache.get(query); parent != nil {
		// Bound to the transaction's connection, on which the statement
		// is already prepared (database/sql reuses it).
		s = t.tx.StmtContext(ctx, parent)
	} else {
		var err error
		if s, err = t.tx.PrepareContext(ctx, query); err != nil {
			return nil, fmt.Errorf("local drive: prepare: %w", err)
		}
		t.missed = append(t.missed, query)
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = s
	return s, nil
}

// stmtCacheMax bounds the writer's statement cache (statements built with a
// variable number of placeholders would otherwise grow it without end).
const stmtCacheMax = 256

// stmtCache holds statements prepared on the writer pool, for use in later
// transactions through Tx.StmtContext. They are prepared after a
// transaction that used them has committed or rolled back: preparing on
// the writer pool during a transaction would wait for its only
// connection, which the transaction holds. Closing the pool closes them.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// add prepares the queries on db and keeps them; a query that fails to
// prepare is left out (the next transaction prepares it itself).
func (c *stmtCache) add(ctx context.Context, db *sql.DB, queries []string) {
	if c == nil {
		return
	}
	for _, q := range queries {
		c.mu.Lock()
		_, have := c.m[q]
		full := len(c.m) >= stmtCacheMax
		c.mu.Unlock()
		if have || full {
			continue
		}
		s, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, have := c.m[q]; have {
			s.Close()
		} else {
			if c.m == nil {
				c.m = map[string]*sql.Stmt{}
			}
			c.m[q] = s
		}
		c.mu.Unlock()
	}
}

// ExecContext runs a statement in the transaction.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryContext runs a query in the transaction.
func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext runs a one-row query in the transaction; a prepare
// failure surfaces from Scan.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return t.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// withTx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it.
func (d *Drive) withTx(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("local drive: begin: %w", err)
	}
	t := &txn{tx: tx, cache: &d.wstmts}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("local drive: commit: %w", err)
	}
	if ctx.Err() == nil {
		d.wstmts.add(ctx, d.w, t.missed)
	}
	return nil
}

// cachedReader runs reader-pool queries through statements kept in a
// stmtCache, prepared on first use (the pool has several connections, so
// preparing never waits for a transaction). It is the querier of the
// per-file lookups of an upload (session, parts, file row).
type cachedReader struct {
	db    *sql.DB
	cache *stmtCache
}

func (r *cachedReader) stmt(ctx context.Context, query string) *sql.Stmt {
	if s := r.cache.get(query); s != nil {
		return s
	}
	r.cache.add(ctx, r.db, []string{query})
	return r.cache.get(query)
}

// QueryContext runs a query on the reader pool.
func (r *cachedReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return r.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a one-row query on the reader pool.
func (r *cachedReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return r.db.QueryRowContext(ctx, query, args...)
}
