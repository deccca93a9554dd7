package hostfuncs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// AuditRecord is one line of the audit log: one drive mutation attempted by
// a plugin, allowed or not.
type AuditRecord struct {
	Time    time.Time `json:"time"`
	Plugin  string    `json:"plugin"`
	Version string    `json:"version,omitempty"`
	Hash    string    `json:"hash,omitempty"`
	RunID   string    `json:"run_id,omitempty"`
	Account string    `json:"account,omitempty"`
	Op      string    `json:"op"` // host function name
	FileIDs []string  `json:"file_ids,omitempty"`
	Paths   []string  `json:"paths,omitempty"` // drive and local paths involved
	Target  string    `json:"target,omitempty"`
	Result  string    `json:"result"` // "ok" or the ABI error code
	Message string    `json:"message,omitempty"`
	Count   int       `json:"count,omitempty"` // items, for batches
}

// AuditLog is an append-only JSONL file of AuditRecords. Every Append
// writes one line with a single write(2) on an O_APPEND descriptor and
// fsyncs it, so records survive crashes and restarts, and concurrent writers
// (goroutines, or several processes on one file) never interleave lines.
type AuditLog struct {
	mu  sync.Mutex
	f   *os.File
	buf []byte
}

// OpenAuditLog opens (creating if needed) the audit log at path.
func OpenAuditLog(path string) (*AuditLog, error) {
	if err := private.MkdirAll(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("audit log: create folder: %w", err)
	}
	f, err := private.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if err := private.Tighten(path); err != nil { // made 0640 by older versions
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &AuditLog{f: f}, nil
}

// Append writes rec as one line and syncs it to disk.
func (a *AuditLog) Append(rec AuditRecord) error {
	if a == nil {
		return nil
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("audit log: encode: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return fmt.Errorf("audit log: closed")
	}
	a.buf = append(append(a.buf[:0], line...), '\n')
	if _, err := a.f.Write(a.buf); err != nil {
		return fmt.Errorf("audit log: write: %w", err)
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("audit log: sync: %w", err)
	}
	return nil
}

// Close closes the file; later Appends fail.
func (a *AuditLog) Close() error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return nil
	}
	err := a.f.Close()
	a.f = nil
	return err
}
