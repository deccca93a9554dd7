package runner

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/wasmdrive/wasmdrive/runner/contract"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// ErrUnknownEntry: the plugin does not export the entry a run names.
var ErrUnknownEntry = contract.ErrUnknownEntry

// ClassError is a failed call with the ABI code (abi.Code*) of its cause,
// kept through the plugin boundary: the answer of a host function that the
// plugin returned as its own error (the SDK passes the code on, see
// ParseFailure), or the host's verdict on the request (an unknown entry).
// The run queue reads Retryable: a permanent failure is not retried.
type ClassError struct {
	Code string
	// Permanent says retrying cannot help (PermanentCode, or the host's
	// verdict on the request itself).
	Permanent bool
	Err       error
}

func (e *ClassError) Error() string { return e.Err.Error() }
func (e *ClassError) Unwrap() error { return e.Err }

// Retryable reports whether the same run may succeed later.
func (e *ClassError) Retryable() bool { return !e.Permanent }

// CodeOf returns the ABI code of a failed call ("" when unknown).
func CodeOf(err error) string {
	var c *ClassError
	if errors.As(err, &c) {
		return c.Code
	}
	return ""
}

// PermanentCode reports whether a run that failed with a host function's
// code can never succeed by retrying it: permission_denied (the grant says
// no), invalid_argument (the request is malformed) and unsupported (the
// backend cannot do it). The transient codes (rate_limited, unavailable,
// timeout) and the others are retried by the run queue's policy.
func PermanentCode(code string) bool {
	switch code {
	case abi.CodePermissionDenied, abi.CodeInvalidArgument, abi.CodeUnsupported:
		return true
	}
	return false
}

// knownCode reports whether code is a stable ABI code.
func knownCode(code string) bool {
	switch code {
	case abi.CodeNotFound, abi.CodeAlreadyExists, abi.CodePermissionDenied, abi.CodeRateLimited,
		abi.CodeInvalidArgument, abi.CodeQuotaExceeded, abi.CodeTimeout, abi.CodeInternal,
		abi.CodeUnavailable, abi.CodeCancelled, abi.CodeConflict, abi.CodeUnsupported:
		return true
	}
	return false
}

// ParseFailure reads the error an entry point set (extism SetError): an
// abi.Error as JSON, which the SDK's Run sets when the entry's error wraps
// a host function's answer, or any other text. ok is false for text, and
// for JSON whose code is not a stable ABI code.
func ParseFailure(msg string) (e abi.Error, ok bool) {
	if !strings.HasPrefix(msg, "{") {
		return abi.Error{}, false
	}
	if json.Unmarshal([]byte(msg), &e) != nil || !knownCode(e.Code) || e.Message == "" {
		return abi.Error{}, false
	}
	return e, true
}
