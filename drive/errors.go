package drive

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
)

// Sentinel errors callers branch on with errors.Is. A *Error matches the
// sentinel of its kind (see (*Error).Is).
var (
	ErrNotFound      = errors.New("drive: not found")
	ErrAlreadyExists = errors.New("drive: already exists")
	ErrPermission    = errors.New("drive: permission denied")
	ErrRateLimited   = errors.New("drive: rate limited")
	ErrInvalid       = errors.New("drive: invalid argument")
	ErrQuota         = errors.New("drive: quota exceeded")
	ErrAuth          = errors.New("drive: authentication failed")
	ErrUnsupported   = errors.New("drive: operation not supported by this backend")
	ErrUnavailable   = errors.New("drive: service unavailable")
	// ErrDiskFull: a local disk ran out of space (see IsDiskFull).
	ErrDiskFull = errors.New("drive: disk full")
)

// IsDiskFull reports whether err is a disk out of space: ErrDiskFull,
// ENOSPC, or SQLite's "database or disk is full" (SQLITE_FULL).
func IsDiskFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrDiskFull) || errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var c interface{ Code() int }
	return errors.As(err, &c) && c.Code()&0xff == sqliteFull && strings.Contains(err.Error(), "disk is full")
}

const sqliteFull = 13 // SQLITE_FULL

// API error codes (the "code" field of an Open API error body) that the
// backends produce and branch on.
const (
	CodeNotFoundFile         = "NotFound.File"
	CodeNotFoundFileID       = "NotFound.FileId"
	CodeNotFoundUploadID     = "NotFound.UploadId"
	CodeNotFoundShare        = "NotFound.ShareLink"
	CodeAlreadyExist         = "AlreadyExist.File"
	CodeInvalidParameter     = "InvalidParameter"
	CodeInvalidName          = "InvalidParameter.Name"
	CodeInvalidContentHash   = "InvalidParameter.ContentHash"
	CodeInvalidRapidProof    = "InvalidRapidProof"
	CodePreHashMatched       = "PreHashMatched"
	CodeFileTypeFolder       = "InvalidResource.FileTypeFolder"
	CodeForbiddenMoveSubtree = "ForbiddenMoveToSubFolder"
	CodeTooManyRequests      = "TooManyRequests"
	CodeAccessTokenInvalid   = "AccessTokenInvalid"
	CodeAccessTokenExpired   = "AccessTokenExpired"
	CodeRefreshTokenExpired  = "RefreshTokenExpired"
	CodeRefreshTokenInvalid  = "RefreshTokenInvalid"
	CodePermissionDenied     = "PermissionDenied"
	CodeQuotaExhausted       = "QuotaExhausted.Drive"
	CodeInternalError        = "InternalError"
	CodeBadGateway           = "BadGateway"
	CodeServiceUnavailable   = "ServiceUnavailable"
	CodeUploadURLExpired     = "AccessDenied" // OSS: "Request has expired."
	CodePartAlreadyExist     = "PartAlreadyExist"
	CodeNoSuchUpload         = "NoSuchUpload"
	CodeForbiddenFileInTrash = "ForbiddenFileInTheRecycleBin"
	CodeInvalidRequestBody   = "InvalidParameter.Body"
	// CodeContentDamaged (local drive, 422): the stored content failed its
	// check; not retryable, uploading the file again repairs it.
	CodeContentDamaged = "ContentDamaged"
)

// Error is an error answered by a drive, in the Open API's terms.
type Error struct {
	Status     int           `json:"status,omitempty"` // HTTP status (0 for in-process)
	Code       string        `json:"code"`
	Message    string        `json:"message"`
	RequestID  string        `json:"requestId,omitempty"`
	RetryAfter time.Duration `json:"-"` // from x-retry-after (milliseconds on the wire)
	Op         string        `json:"-"` // the operation or API path, for context
}

// NewError returns an *Error with the given HTTP status, code and message.
func NewError(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	return b.String()
}

// Kind returns the sentinel error that classifies e, or nil.
func (e *Error) Kind() error {
	c := e.Code
	switch {
	case strings.HasPrefix(c, "NotFound") || c == CodeNoSuchUpload || e.Status == 404:
		return ErrNotFound
	case strings.HasPrefix(c, "AlreadyExist") || e.Status == 409 && c != CodePreHashMatched:
		return ErrAlreadyExists
	case c == CodeTooManyRequests || e.Status == 429:
		return ErrRateLimited
	case c == CodeQuotaExhausted || c == "ExceedCapacityForbidden":
		return ErrQuota
	case c == CodeAccessTokenInvalid || c == CodeAccessTokenExpired ||
		c == CodeRefreshTokenExpired || c == CodeRefreshTokenInvalid || e.Status == 401:
		return ErrAuth
	case c == CodePermissionDenied || strings.HasPrefix(c, "Forbidden") || e.Status == 403:
		return ErrPermission
	case e.Status >= 500 || c == CodeInternalError || c == CodeBadGateway || c == CodeServiceUnavailable:
		return ErrUnavailable
	case strings.HasPrefix(c, "Invalid") || c == "BadRequest" || e.Status == 400:
		return ErrInvalid
	}
	return nil
}

// Is makes errors.Is(err, ErrNotFound) (etc.) work for *Error.
func (e *Error) Is(target error) bool {
	k := e.Kind()
	return k != nil && k == target
}

// Retryable reports whether the same request may succeed if sent again later
// (throttling, a 5xx, an expired access token the client can refresh).
func (e *Error) Retryable() bool {
	switch e.Kind() {
	case ErrRateLimited, ErrUnavailable:
		return true
	}
	return e.Code == CodeAccessTokenExpired || e.Code == CodeUploadURLExpired
}

// IsRetryable reports whether err is worth retrying: a retryable *Error, or a
// transport failure marked with Temporary().
func IsRetryable(err error) bool {
	var de *Error
	if errors.As(err, &de) {
		return de.Retryable()
	}
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		return t.Temporary()
	}
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable)
}

// NotFound returns a NotFound.File error for id.
func NotFound(id string) *Error {
	return &Error{Status: 404, Code: CodeNotFoundFile, Message: fmt.Sprintf("file %q not found", id)}
}

// Invalid returns an InvalidParameter error.
func Invalid(format string, args ...any) *Error {
	return &Error{Status: 400, Code: CodeInvalidParameter, Message: fmt.Sprintf(format, args...)}
}
