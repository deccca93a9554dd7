package openapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// ErrorBody is the JSON body of an API error. tickstep also reads
// display_message.
type ErrorBody struct {
	Code           string `json:"code"`
	Message        string `json:"message"`
	RequestID      string `json:"requestId,omitempty"`
	DisplayMessage string `json:"display_message,omitempty"`
}

// SpringError is the body of a 404 for an unknown route, as the Open API's
// Spring gateway answers it.
type SpringError struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	Error     string `json:"error"`
	Path      string `json:"path"`
}

// OSSError is the XML body a part PUT or download GET fails with, e.g.
// <Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>.
type OSSError struct {
	XMLName   struct{} `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId,omitempty"`
}

// MessageTooManyRequests is the Open API's message on a 429.
const MessageTooManyRequests = "请求过快，请等待 x-retry-after 毫秒后再请求"

// DecodeError turns an error answer into a *drive.Error. It understands the
// JSON ErrorBody, the Spring 404 body, the OSS XML body and plain text (a
// 502 "Bad Gateway"), and reads x-retry-after (milliseconds).
func DecodeError(status int, h http.Header, body []byte) *drive.Error {
	e := &drive.Error{Status: status}
	var eb ErrorBody
	if json.Unmarshal(body, &eb) == nil && eb.Code != "" {
		e.Code, e.Message, e.RequestID = eb.Code, eb.Message, eb.RequestID
	} else if oe, ok := decodeOSS(body); ok {
		e.Code, e.Message, e.RequestID = oe.Code, oe.Message, oe.RequestID
	} else {
		var se SpringError
		if json.Unmarshal(body, &se) == nil && se.Status != 0 {
			e.Code, e.Message = "NotFound", se.Error+" "+se.Path
		} else {
			e.Code = codeForStatus(status)
			e.Message = truncate(string(body), 200)
		}
	}
	if h != nil {
		if ms, err := strconv.ParseInt(h.Get(HeaderRetryAfter), 10, 64); err == nil && ms >= 0 {
			e.RetryAfter = time.Duration(ms) * time.Millisecond
		}
		if e.RequestID == "" {
			e.RequestID = h.Get(HeaderRequestID)
		}
	}
	return e
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return drive.CodeTooManyRequests
	case http.StatusBadGateway:
		return drive.CodeBadGateway
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return drive.CodeServiceUnavailable
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusUnauthorized:
		return drive.CodeAccessTokenInvalid
	case http.StatusForbidden:
		return drive.CodePermissionDenied
	}
	if status >= 500 {
		return drive.CodeInternalError
	}
	return "BadRequest"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
