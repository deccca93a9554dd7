package hostfuncs

import (
	"fmt"

	"github.com/wasmdrive/wasmdrive/drive"
)

// A full disk ends the call at once: every later write fails the same way,
// and a plugin that carries on (a backup noting one failed file after
// another) would only end "succeeded" with little stored. Env.Abort is how
// a host function stops the call; the runner ends the run with the
// DiskFullError, which is not retried (space has to be freed first).

// DiskFullError is what a call ends with when a host function found a disk
// out of space.
type DiskFullError struct {
	Account string // the run's drive account
	Err     error
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("disk full, the run stopped: %v (free space on the disk of the drive of account %q, accounts.%s.dir for a local one, or of the NATS store, then run it again)", e.Err, e.Account, e.Account)
}

func (e *DiskFullError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, drive.ErrDiskFull) hold.
func (e *DiskFullError) Is(target error) bool { return target == drive.ErrDiskFull }

// Retryable is false: the same run fails the same way until space is freed.
func (e *DiskFullError) Retryable() bool { return false }

// checkDiskFull aborts the call (Env.Abort) when err is a full disk.
func (e *Env) checkDiskFull(err error) {
	if e.Abort == nil || !drive.IsDiskFull(err) {
		return
	}
	e.abortOnce.Do(func() { e.Abort(&DiskFullError{Account: e.Account, Err: err}) })
}
