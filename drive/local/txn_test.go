package local

import (
	"context"
	"fmt"
	"testing"
)

// TestWriterStatementsReusedAcrossTransactions checks a statement a write
// transaction prepared is kept for the next transactions (not parsed again
// per file of a backup), that the kept statement works in them, and that
// the cache stays bounded.
func TestWriterStatementsReusedAcrossTransactions(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	const q = "SELECT COUNT(*) + ? FROM files"
	count := func() (n int, cached bool) {
		err := d.withTx(ctx, func(tx *txn) error {
			cached = tx.cache.get(q) != nil
			return tx.QueryRowContext(ctx, q, 1).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, cached
	}
	n1, cached := count()
	if cached {
		t.Fatal("statement cached before any transaction used it")
	}
	n2, cached := count()
	if !cached {
		t.Fatal("second transaction did not find the statement the first prepared")
	}
	if n1 != n2 || n1 < 1 {
		t.Fatalf("counts %d then %d", n1, n2)
	}
	for i := 0; i < stmtCacheMax+10; i++ {
		err := d.withTx(ctx, func(tx *txn) error {
			_, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT %d FROM files LIMIT 0", i))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	d.wstmts.mu.Lock()
	size := len(d.wstmts.m)
	d.wstmts.mu.Unlock()
	if size > stmtCacheMax {
		t.Fatalf("cache holds %d statements, bound %d", size, stmtCacheMax)
	}
	if n3, _ := count(); n3 != n1 {
		t.Fatalf("count after filling the cache %d, want %d", n3, n1)
	}
}

// TestCachedReaderKeepsStatements checks the reader querier of the upload
// lookups prepares a statement once, keeps it and answers through it.
func TestCachedReaderKeepsStatements(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	const q = "SELECT COUNT(*) + ? FROM files"
	for i := 0; i < 3; i++ {
		var n int
		if err := d.rq.QueryRowContext(ctx, q, i).Scan(&n); err != nil {
			t.Fatal(err)
		}
		var want int
		if err := d.r.QueryRowContext(ctx, q, i).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("cached reader answered %d, want %d", n, want)
		}
		if d.rq.cache.get(q) == nil {
			t.Fatal("statement not kept after use")
		}
	}
	rows, err := d.rq.QueryContext(ctx, "SELECT id FROM files LIMIT 1")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
}
