package local

import (
	"context"
	"database/sql"
	"fmt"
)

// txn is a write transaction that prepares each distinct statement once and
// reuses it for the rest of the transaction: a batch chunk runs the same
// few statements a hundred times, and SQLite parsing and planning was a
// third of the cost of a batch copy. (Statements cannot be cached across
// transactions: preparing on the writer pool would wait for its only
// connection, which the transaction holds.)
type txn struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (t *txn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	s, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("local drive: prepare: %w", err)
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = s
	return s, nil
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
	if err := fn(&txn{tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("local drive: commit: %w", err)
	}
	return nil
}
