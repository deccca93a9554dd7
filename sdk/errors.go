package sdk

import (
	"errors"
	"fmt"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Sentinel errors, one per stable ABI code. A host *Error matches the
// sentinel of its code: errors.Is(err, sdk.ErrNotFound).
var (
	ErrNotFound      = errors.New(abi.CodeNotFound)
	ErrAlreadyExists = errors.New(abi.CodeAlreadyExists)
	ErrPermission    = errors.New(abi.CodePermissionDenied)
	ErrRateLimited   = errors.New(abi.CodeRateLimited)
	ErrInvalid       = errors.New(abi.CodeInvalidArgument)
	ErrQuota         = errors.New(abi.CodeQuotaExceeded)
	ErrTimeout       = errors.New(abi.CodeTimeout)
	ErrInternal      = errors.New(abi.CodeInternal)
	ErrUnavailable   = errors.New(abi.CodeUnavailable)
	ErrCancelled     = errors.New(abi.CodeCancelled)
	ErrConflict      = errors.New(abi.CodeConflict)
	ErrUnsupported   = errors.New(abi.CodeUnsupported)
)

var sentinels = map[string]error{
	abi.CodeNotFound:         ErrNotFound,
	abi.CodeAlreadyExists:    ErrAlreadyExists,
	abi.CodePermissionDenied: ErrPermission,
	abi.CodeRateLimited:      ErrRateLimited,
	abi.CodeInvalidArgument:  ErrInvalid,
	abi.CodeQuotaExceeded:    ErrQuota,
	abi.CodeTimeout:          ErrTimeout,
	abi.CodeInternal:         ErrInternal,
	abi.CodeUnavailable:      ErrUnavailable,
	abi.CodeCancelled:        ErrCancelled,
	abi.CodeConflict:         ErrConflict,
	abi.CodeUnsupported:      ErrUnsupported,
}

// Error is a failed host call.
type Error struct {
	Func      string // host function, e.g. "wd_drive_get"
	Code      string // stable code (abi.Code*)
	Message   string
	Retryable bool // the same call may succeed later
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s: %s", e.Func, e.Code, e.Message)
	if e.Retryable {
		s += " (retryable)"
	}
	return s
}

// Is matches the sentinel of e's code.
func (e *Error) Is(target error) bool {
	s, ok := sentinels[e.Code]
	return ok && s == target
}

// IsRetryable reports whether err is a host error worth retrying later.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// CodeOf returns the stable code of a host error, or "" for other errors.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
