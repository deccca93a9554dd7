// Package local is wasmdrive's embedded drive: a real, persistent drive in a
// data folder, with metadata in SQLite (WAL) and file content in
// content-addressed blobs named by their SHA-1, so identical content is
// stored once and rapid upload works.
//
// *Drive implements drive.Drive, drive.TrashManager and drive.ShareManager in
// process. NewServer serves the same drive over HTTP in the Aliyun Open API
// dialect (see drive/openapi), with OAuth tokens, pre-signed part and
// download URLs and configurable fault injection, so the Open API client is
// tested end to end against it.
//
// Layout of a data folder:
//
//	meta.db            SQLite metadata (files, blobs, upload sessions, shares, tokens)
//	blobs/ab/cd/<sha1> file content, one file per distinct content
//	uploads/<id>.data  content of unfinished multipart uploads
//	blobs.gen          generation id of the blob store (matches meta.db's)
//	quarantine/<sha1>  blobs no metadata named, kept for a retention period
//	meta.snapshot.db   a recent copy of meta.db, for drive fsck
//
// Uploads: each part is written at its offset into the session's data file
// while the SHA-1 of the content advances, then recorded with its CRC-32C.
// Completion fsyncs the data file once, hard-links it into blobs/ (and
// fsyncs the folder) before the metadata naming the blob commits, and syncs
// the write-ahead log. The content is thus read once and copied never.
// Metadata commits survive a process crash at once (SQLite WAL,
// synchronous=NORMAL) and a power loss from the next sync. Open moves
// blobs no metadata names into quarantine/ (removed after a retention
// period), drops sessions that can no longer finish, and after
// an unclean shutdown it checks recorded parts against their CRCs.
// Unfinished uploads have status "uploading" and never appear in listings,
// paths or searches.
//
// Names: refuse (the default) answers an existing name with that file and
// Exist=true; auto_rename picks "name(1).ext", "name(2).ext", ... (the
// suffix goes before the last extension; folders get it at the end);
// ignore allows duplicates; overwrite (an extension) replaces a file.
// Writers are serialised by SQLite (one writer connection per process,
// BEGIN IMMEDIATE across processes), and every name check happens in the
// transaction that writes, so concurrent writers of one name obey the mode.
package local

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/private"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// Options tunes a local drive.
type Options struct {
	// QuotaBytes caps the total size of stored files (0: 1 TiB).
	QuotaBytes int64
	// UserName and DriveID name the account in DriveInfo (defaults "local", "local").
	UserName string
	DriveID  string
	// Logger receives operational logs (default slog.Default()).
	Logger *slog.Logger
	// NoSync skips fsync of uploaded content (faster; a power loss may then
	// lose or damage files; a process crash cannot). For benchmarks only.
	NoSync bool
	// ReadOnly is for commands that only read: Open then does no cleanup
	// (no blob garbage collection, no removal of upload sessions).
	ReadOnly bool
	// QuarantineRetention is how long blobs no metadata names stay in
	// quarantine/ before garbage collection removes them (0: 7 days).
	QuarantineRetention time.Duration
	// SessionTTL is how long an unfinished upload with no part written is
	// kept before Open drops it and frees its space (0: DefaultSessionTTL).
	SessionTTL time.Duration

	fsck bool // opened by Fsck: no generation check, no cleanup
}

// DefaultQuarantineRetention is the quarantine time when
// Options.QuarantineRetention is 0.
const DefaultQuarantineRetention = 7 * 24 * time.Hour

// DefaultQuota is the quota when Options.QuotaBytes is 0.
const DefaultQuota = 1 << 40

// Drive is an embedded drive in a data folder. It is safe for concurrent use,
// also by several processes sharing the folder (SQLite serialises writers);
// blob garbage collection is per process and at open.
type Drive struct {
	dir  string
	opts Options
	log  *slog.Logger
	w    *sql.DB // the single writer connection
	// wstmts holds statements prepared on w, reused across transactions.
	wstmts stmtCache
	// rq is r with its statements kept (the per-file lookups of uploads).
	rq    *cachedReader
	r     *sql.DB // readers
	blobs *blobStore

	// blobMu orders blob installation (read lock) against removal of
	// unreferenced blobs (write lock) within this process.
	blobMu sync.RWMutex
	// uploads holds the in-process state of uploads being written.
	uploads sync.Map // upload id -> *liveUpload

	partBytes  atomic.Int64 // body bytes written into upload parts
	publicURL  atomic.Value // string: scheme://host of signed URLs
	shareBase  atomic.Value // string: scheme://host of share links, if not publicURL
	key        atomic.Value // []byte: URL-signing key
	closeOnce  sync.Once
	inproc     *Server  // handler of Request, made on first use
	marker     string   // this Drive's open marker
	markerFile *os.File // holds the marker's lock while the Drive is open
	healthy    bool     // writable, metadata and blobs of one generation: keep a snapshot
	snapMu     sync.Mutex
	snapStop   chan struct{} // stops snapshotLoop
	snapDone   chan struct{} // closed when snapshotLoop returned
}

// Open opens (creating if needed) the drive in dir, checks its schema and
// cleans up after a crash: it drops temporary files and moves blobs no
// metadata names into quarantine/. A folder whose blobs the metadata
// cannot account for (meta.db missing, empty or naming no file) is refused
// with ErrNeedsFsck, and blob cleanup runs only when the metadata and the
// blobs are of one generation (see checkGeneration).
func Open(dir string, opts Options) (*Drive, error) {
	if opts.QuotaBytes <= 0 {
		opts.QuotaBytes = DefaultQuota
	}
	if opts.UserName == "" {
		opts.UserName = "local"
	}
	if opts.DriveID == "" {
		opts.DriveID = "local"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.QuarantineRetention <= 0 {
		opts.QuarantineRetention = DefaultQuarantineRetention
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	for _, sub := range []string{"blobs", "uploads"} {
		if err := private.MkdirAll(filepath.Join(dir, sub)); err != nil {
			return nil, fmt.Errorf("local drive: create %s: %w", sub, err)
		}
	}
	d := &Drive{dir: dir, opts: opts, log: opts.Logger}
	d.blobs = &blobStore{root: filepath.Join(dir, "blobs"), noSync: opts.NoSync}
	if !opts.fsck && metaMissing(dir) && anyBlob(d.blobs.root) {
		return nil, &NeedsFsckError{Dir: dir, Reason: "it holds content blobs but its metadata (meta.db) is missing or empty"}
	}
	var err error
	dbPath := filepath.Join(dir, "meta.db")
	if d.w, err = openDB(dbPath, true); err != nil {
		return nil, err
	}
	if d.r, err = openDB(dbPath, false); err != nil {
		d.w.Close()
		return nil, err
	}
	d.rq = &cachedReader{db: d.r, cache: &stmtCache{}}
	ctx := context.Background()
	if err := migrate(ctx, d.w); err != nil {
		d.Close()
		return nil, err
	}
	gcOK := false
	if !opts.fsck {
		if gcOK, err = d.checkGeneration(ctx); err != nil {
			d.Close()
			return nil, err
		}
	}
	if !opts.ReadOnly && !opts.fsck {
		if err := d.recover(ctx, gcOK); err != nil {
			d.Close()
			return nil, err
		}
		if g, err := dbGeneration(ctx, d.r); err == nil && g != "" && g == readMarker(dir) {
			d.healthy = true
			d.snapshot(ctx)
			d.snapStop, d.snapDone = make(chan struct{}), make(chan struct{})
			go d.snapshotLoop(d.snapStop, d.snapDone)
		}
	}
	d.marker = filepath.Join(dir, fmt.Sprintf("open-%d-%s", os.Getpid(), randomToken(4)))
	if d.markerFile, err = holdMarker(d.marker); err != nil {
		d.marker = ""
		d.Close()
		return nil, fmt.Errorf("local drive: write open marker: %w", err)
	}
	return d, nil
}

// holdMarker creates the open marker at path and holds a lock on it for
// as long as the returned file is open. The kernel drops the lock when
// the process exits, however it dies, so a marker is alive exactly while
// its lock is held: a just-killed process, a zombie and a reused PID all
// read correctly (issue 12). The file is locked under a name the marker
// glob does not match, then renamed, so no prober sees it unlocked.
func holdMarker(path string) (*os.File, error) {
	tmp := filepath.Join(filepath.Dir(path), "locking-"+filepath.Base(path))
	f, err := private.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	return f, nil
}

// markerGlob matches the files present while a Drive is open on the folder
// ("open-<pid>-<random>"): one left by a dead process means it did not
// close the drive, so Open verifies unfinished uploads.
const markerGlob = "open-*"

// staleMarkers returns the open markers of processes that are gone.
func staleMarkers(dir string) []string {
	all, _ := filepath.Glob(filepath.Join(dir, markerGlob))
	var stale []string
	for _, m := range all {
		var pid int
		var rest string
		if _, err := fmt.Sscanf(filepath.Base(m), "open-%d-%s", &pid, &rest); err != nil || !markerHeld(m) {
			stale = append(stale, m)
		}
	}
	return stale
}

// markerHeld reports whether the marker's lock is held by an open Drive
// (of any process, this one included).
func markerHeld(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false // gone: its Drive closed
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return false
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}

func openDB(path string, writer bool) (*sql.DB, error) {
	if err := preparePrivate(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("local drive: open %s: %w", path, err)
	}
	if writer {
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(8)
	}
	db.SetMaxIdleConns(db.Stats().MaxOpenConnections)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("local drive: open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database. Ongoing calls fail.
func (d *Drive) Close() error {
	var err error
	d.closeOnce.Do(func() {
		if d.healthy {
			close(d.snapStop)
			<-d.snapDone
			d.snapshot(context.Background())
		}
		err = errors.Join(d.r.Close(), d.w.Close())
		if d.marker != "" {
			os.Remove(d.marker)
		}
		if d.markerFile != nil {
			d.markerFile.Close() // drops the lock
		}
	})
	return err
}

// Dir is the data folder.
func (d *Drive) Dir() string { return d.dir }

// PartBytes is the number of body bytes written into upload parts since
// open (in process and over HTTP): a rapid upload adds 0, a resumed upload
// only the parts not sent before.
func (d *Drive) PartBytes() int64 { return d.partBytes.Load() }
