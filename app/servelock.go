package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// ErrServeRunning means another live process holds the data folder's serve
// lock (a `wasmdrive serve` runs on it).
var ErrServeRunning = errors.New("another wasmdrive serve holds the data folder")

// ServeLock is held by a running `wasmdrive serve` on its data folder: an
// flock on DataDir/serve.lock. The kernel drops it the moment the process
// ends, however it ends (kill -9 included), so a dead serve never looks
// alive; its PID does: a just-killed process stays a zombie until reaped,
// and the number may later belong to an unrelated process.
type ServeLock struct{ f *os.File }

// ServeLockPath is the lock file of dataDir (kept: it is never removed, so
// two starts cannot lock two different files).
func ServeLockPath(dataDir string) string { return filepath.Join(dataDir, "serve.lock") }

// LockServe takes dataDir's serve lock, or fails with ErrServeRunning while
// a live process holds it.
func LockServe(dataDir string) (*ServeLock, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	f, err := os.OpenFile(ServeLockPath(dataDir), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("app: serve lock: %w", err)
	}
	// A CLI probing the lock (serveLocked) holds it shared for an instant:
	// try a few times before calling the folder busy.
	for i := 0; ; i++ {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &ServeLock{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || i == 4 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.Close()
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, ErrServeRunning
	}
	return nil, fmt.Errorf("app: serve lock %s: %w", ServeLockPath(dataDir), err)
}

// Close releases the lock.
func (l *ServeLock) Close() error { return l.f.Close() }

// serveLocked reports whether a live process holds dataDir's serve lock.
func serveLocked(dataDir string) bool {
	f, err := os.Open(ServeLockPath(dataDir))
	if err != nil {
		return false // never locked: no serve has run here
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
