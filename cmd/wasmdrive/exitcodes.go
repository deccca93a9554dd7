package main

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// exitInvalid: an argument the command cannot act on (a folder moved into
// itself, an invalid name); the same code as a usage error.
const exitInvalid = exitUsage

// exitCode returns the exit code for err, by its class (drive/errors.go
// sentinels, unknown runs and plugins, local file errors); README's
// "Exit codes" table lists them.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, errUsage):
		return exitUsage
	case errors.Is(err, drive.ErrNotFound), errors.Is(err, contract.ErrRunNotFound),
		errors.Is(err, contract.ErrUnknownPlugin), errors.Is(err, fs.ErrNotExist):
		return exitNotFound
	case errors.Is(err, drive.ErrPermission), errors.Is(err, drive.ErrAuth), errors.Is(err, fs.ErrPermission):
		return exitPermission
	case errors.Is(err, drive.ErrRateLimited):
		return exitRateLimited
	case errors.Is(err, drive.ErrAlreadyExists), errors.Is(err, fs.ErrExist):
		return exitExists
	case errors.Is(err, drive.ErrQuota), drive.IsDiskFull(err):
		return exitQuota
	case errors.Is(err, drive.ErrUnsupported):
		return exitUnsupported
	case errors.Is(err, drive.ErrUnavailable):
		return exitUnavailable
	case errors.Is(err, local.ErrNeedsFsck):
		return exitNeedsFsck
	case errors.Is(err, drive.ErrInvalid):
		return exitInvalid
	case strings.Contains(err.Error(), "wasmdrive login"):
		return exitPermission
	}
	return exitGeneric
}

// hasDriveCode reports whether err is a *drive.Error with the API code.
func hasDriveCode(err error, code string) bool {
	var de *drive.Error
	return errors.As(err, &de) && de.Code == code
}
