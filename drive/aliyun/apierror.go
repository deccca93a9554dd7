package aliyun

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// maxErrorMessage bounds the message copied from an error body, so a huge
// or hostile body never ends up in logs whole.
const maxErrorMessage = 512

// decodeError turns a non-2xx response into a typed *drive.Error with op as
// context. openapi.DecodeError understands the JSON {code, message}, the
// Spring 404 body of an unknown route, the OSS XML of part uploads and plain
// text (a 502 "Bad Gateway" is then BadGateway: retryable); this wrapper
// bounds every field and strips control characters, since the body is
// untrusted and ends up in logs.
func decodeError(status int, h http.Header, body []byte, op string) *drive.Error {
	e := openapi.DecodeError(status, h, body)
	e.Op = op
	e.Code = clip(e.Code, 128)
	e.Message = clip(strings.TrimSpace(e.Message), maxErrorMessage)
	e.RequestID = clip(e.RequestID, 128)
	if e.RetryAfter < 0 {
		e.RetryAfter = 0
	}
	if e.RetryAfter > maxRetryAfter {
		e.RetryAfter = maxRetryAfter
	}
	return e
}

// clip bounds s to n bytes without splitting a UTF-8 sequence, and turns
// control characters into spaces so a body cannot forge log lines.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
}

// isUnknownRoute reports whether err is the gateway's 404 for a path the
// service does not serve (the real Open API has no trash listing, restore or
// share listing; drive/local serves them as extensions).
func isUnknownRoute(err error) bool {
	var de *drive.Error
	if !errors.As(err, &de) || de.Status != http.StatusNotFound {
		return false
	}
	return !strings.HasPrefix(de.Code, "NotFound.")
}

// unsupported wraps drive.ErrUnsupported with the path that is missing.
func unsupported(path, base string) error {
	return fmt.Errorf("%s is not served by %s (the Open Platform API has no such call): %w", path, base, drive.ErrUnsupported)
}
