package local

import (
	"context"
	"database/sql"
	"fmt"
)

// schemaVersion is stored in PRAGMA user_version.
const schemaVersion = 1

// schema is the metadata layout. Times are Unix nanoseconds (UTC).
//
// files.trashed: 0 live, 1 trashed by the user (appears in the recycle bin),
// 2 hidden because an ancestor is trashed. files.status is "available" or
// "uploading"; only available, untrashed rows appear in listings.
const schema = `
CREATE TABLE IF NOT EXISTS files (
	id         TEXT PRIMARY KEY,
	parent_id  TEXT NOT NULL,
	name       TEXT NOT NULL,
	type       TEXT NOT NULL,
	size       INTEGER NOT NULL DEFAULT 0,
	sha1       TEXT NOT NULL DEFAULT '',
	category   TEXT NOT NULL DEFAULT '',
	ext        TEXT NOT NULL DEFAULT '',
	status     TEXT NOT NULL DEFAULT 'available',
	trashed    INTEGER NOT NULL DEFAULT 0,
	starred    INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	trashed_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS files_parent_name ON files(parent_id, name, id);
CREATE INDEX IF NOT EXISTS files_parent_created ON files(parent_id, created_at, id);
CREATE INDEX IF NOT EXISTS files_parent_updated ON files(parent_id, updated_at, id);
CREATE INDEX IF NOT EXISTS files_parent_size ON files(parent_id, size, id);
CREATE INDEX IF NOT EXISTS files_sha1 ON files(sha1) WHERE sha1 != '';
CREATE INDEX IF NOT EXISTS files_trashed ON files(trashed_at, id) WHERE trashed = 1;

CREATE TABLE IF NOT EXISTS blobs (
	sha1     TEXT PRIMARY KEY,
	size     INTEGER NOT NULL,
	pre_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS blobs_pre_hash ON blobs(pre_hash, size);

CREATE TABLE IF NOT EXISTS uploads (
	upload_id    TEXT PRIMARY KEY,
	file_id      TEXT NOT NULL,
	size         INTEGER NOT NULL,
	part_size    INTEGER NOT NULL, -- 0: fixed by the first part received
	num_parts    INTEGER NOT NULL,
	content_hash TEXT NOT NULL DEFAULT '',
	name_mode    TEXT NOT NULL,
	hashed_upto  INTEGER NOT NULL DEFAULT 0,
	hash_state   BLOB,
	created_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS upload_parts (
	upload_id   TEXT NOT NULL,
	part_number INTEGER NOT NULL,
	size        INTEGER NOT NULL,
	etag        TEXT NOT NULL,
	PRIMARY KEY (upload_id, part_number)
);

CREATE TABLE IF NOT EXISTS shares (
	id          TEXT PRIMARY KEY,
	file_ids    TEXT NOT NULL,
	password    TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	expiration  INTEGER NOT NULL DEFAULT 0,
	status      TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS kv (
	k TEXT PRIMARY KEY,
	v BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS oauth_clients (
	client_id   TEXT PRIMARY KEY,
	secret_hash TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_redirect_uris (
	client_id TEXT NOT NULL,
	uri       TEXT NOT NULL,
	PRIMARY KEY (client_id, uri)
);
CREATE TABLE IF NOT EXISTS oauth_tokens (
	token_hash TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	client_id  TEXT NOT NULL,
	challenge  TEXT NOT NULL DEFAULT '',
	expires_at INTEGER NOT NULL,
	used       INTEGER NOT NULL DEFAULT 0
);
`

func migrate(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("local drive: read schema version: %w", err)
	}
	if v > schemaVersion {
		return fmt.Errorf("local drive: metadata schema %d is newer than this binary's %d: upgrade wasmdrive", v, schemaVersion)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("local drive: create schema: %w", err)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("local drive: set schema version: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity_check and returns its verdict ("ok").
func (d *Drive) IntegrityCheck(ctx context.Context) (string, error) {
	var s string
	if err := d.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&s); err != nil {
		return "", fmt.Errorf("local drive: integrity check: %w", err)
	}
	return s, nil
}
