// Package kvfile is a durable runner.KV in one SQLite file, for
// `wasmdrive run` and single-process setups without NATS (serve uses the
// JetStream KV in runner/jskv). Revisions are one increasing sequence for
// the whole store, as in a JetStream bucket, so a compare-and-set
// written against a deleted-and-recreated key fails.
package kvfile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/wasmdrive/wasmdrive/internal/private"
	"github.com/wasmdrive/wasmdrive/runner"
)

// KV is a runner.KV backed by SQLite (WAL, synchronous=FULL: a Put that
// returned survives a crash).
type KV struct {
	db *sql.DB
}

var _ runner.KV = (*KV)(nil)

// MaxValueBytes bounds one value.
const MaxValueBytes = 1 << 20

const schema = `
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, rev INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seq (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
INSERT OR IGNORE INTO seq (id, last) VALUES (1, 0);
`

// Open opens (creating) the store at path, e.g. DataDir/kv/plugins.db.
func Open(path string) (*KV, error) {
	if err := private.MkdirAll(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("kvfile: %w", err)
	}
	if err := private.PrepareDB(path); err != nil { // its -wal and -shm take its mode
		return nil, fmt.Errorf("kvfile: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("kvfile: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; reads are short
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("kvfile: %s: %w", path, err)
	}
	return &KV{db: db}, nil
}

// Close closes the store.
func (k *KV) Close() error { return k.db.Close() }

// Get returns a key's value and revision, or runner.ErrKVNotFound.
func (k *KV) Get(ctx context.Context, key string) (runner.KVEntry, error) {
	e := runner.KVEntry{Key: key}
	err := k.db.QueryRowContext(ctx, `SELECT value, rev FROM kv WHERE key = ?`, key).Scan(&e.Value, &e.Revision)
	if errors.Is(err, sql.ErrNoRows) {
		return runner.KVEntry{}, fmt.Errorf("kvfile: %q: %w", key, runner.ErrKVNotFound)
	}
	if err != nil {
		return runner.KVEntry{}, fmt.Errorf("kvfile: get %q: %w", key, err)
	}
	return e, nil
}

// Put stores value and returns its new revision. With expectRev it is a
// compare-and-set (0: the key must not exist) failing with
// runner.ErrKVConflict.
func (k *KV) Put(ctx context.Context, key string, value []byte, expectRev *uint64) (uint64, error) {
	if key == "" {
		return 0, errors.New("kvfile: empty key")
	}
	if len(value) > MaxValueBytes {
		return 0, fmt.Errorf("kvfile: value of %q is %d bytes, more than %d", key, len(value), MaxValueBytes)
	}
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("kvfile: put %q: %w", key, err)
	}
	defer tx.Rollback()
	var cur uint64
	err = tx.QueryRowContext(ctx, `SELECT rev FROM kv WHERE key = ?`, key).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("kvfile: put %q: %w", key, err)
	}
	if expectRev != nil && *expectRev != cur {
		return 0, fmt.Errorf("kvfile: put %q: revision is %d, not %d: %w", key, cur, *expectRev, runner.ErrKVConflict)
	}
	var rev uint64
	if err := tx.QueryRowContext(ctx, `UPDATE seq SET last = last + 1 WHERE id = 1 RETURNING last`).Scan(&rev); err != nil {
		return 0, fmt.Errorf("kvfile: put %q: %w", key, err)
	}
	if value == nil {
		value = []byte{}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO kv (key, value, rev) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, rev = excluded.rev`, key, value, rev); err != nil {
		return 0, fmt.Errorf("kvfile: put %q: %w", key, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("kvfile: put %q: %w", key, err)
	}
	return rev, nil
}

// Delete removes a key; a missing key is not an error.
func (k *KV) Delete(ctx context.Context, key string) error {
	if _, err := k.db.ExecContext(ctx, `DELETE FROM kv WHERE key = ?`, key); err != nil {
		return fmt.Errorf("kvfile: delete %q: %w", key, err)
	}
	return nil
}

// List returns the keys starting with prefix, sorted.
func (k *KV) List(ctx context.Context, prefix string) ([]string, error) {
	rows, err := k.db.QueryContext(ctx, `SELECT key FROM kv WHERE substr(key, 1, ?) = ? ORDER BY key`, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("kvfile: list %q: %w", prefix, err)
	}
	defer rows.Close()
	keys := []string{}
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, fmt.Errorf("kvfile: list %q: %w", prefix, err)
		}
		if strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kvfile: list %q: %w", prefix, err)
	}
	return keys, nil
}
