package hostfuncs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// errInvalid marks a malformed or out-of-range request.
var errInvalid = errors.New("invalid argument")

// errUnavailable marks a missing backend (no KV, no emitter configured).
var errUnavailable = errors.New("unavailable")

func badArg(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, args...))
}

// ToABIError maps an error to the ABI's stable code, with retryable taken
// from drive.IsRetryable.
func ToABIError(err error) *abi.Error {
	c := Code(err)
	// The call's own deadline or cancellation is final for this call.
	retry := c != abi.CodeTimeout && c != abi.CodeCancelled && drive.IsRetryable(err)
	return &abi.Error{Code: c, Message: err.Error(), Retryable: retry}
}

// Code returns the stable ABI code of err.
func Code(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrPermission):
		return abi.CodePermissionDenied
	case errors.Is(err, context.DeadlineExceeded):
		return abi.CodeTimeout
	case errors.Is(err, context.Canceled):
		return abi.CodeCancelled
	case errors.Is(err, errInvalid), errors.Is(err, drive.ErrInvalid):
		return abi.CodeInvalidArgument
	case errors.Is(err, drive.ErrNotFound), errors.Is(err, ErrKVNotFound), errors.Is(err, fs.ErrNotExist):
		return abi.CodeNotFound
	case errors.Is(err, drive.ErrAlreadyExists), errors.Is(err, fs.ErrExist):
		return abi.CodeAlreadyExists
	case errors.Is(err, ErrKVConflict):
		return abi.CodeConflict
	case errors.Is(err, drive.ErrPermission), errors.Is(err, fs.ErrPermission):
		return abi.CodePermissionDenied
	case errors.Is(err, drive.ErrRateLimited):
		return abi.CodeRateLimited
	case errors.Is(err, drive.ErrQuota), drive.IsDiskFull(err):
		return abi.CodeQuotaExceeded
	case errors.Is(err, drive.ErrUnsupported):
		return abi.CodeUnsupported
	case errors.Is(err, drive.ErrUnavailable), errors.Is(err, drive.ErrAuth), errors.Is(err, errUnavailable):
		return abi.CodeUnavailable
	}
	return abi.CodeInternal
}
