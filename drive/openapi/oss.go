package openapi

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strconv"
	"time"
)

// decodeOSS parses an OSS XML error body.
func decodeOSS(body []byte) (OSSError, bool) {
	var oe OSSError
	b := bytes.TrimSpace(body)
	if !bytes.HasPrefix(b, []byte("<")) {
		return oe, false
	}
	if err := xml.Unmarshal(b, &oe); err != nil || oe.Code == "" {
		return oe, false
	}
	return oe, true
}

// EncodeOSSError renders an OSS XML error body.
func EncodeOSSError(code, message, requestID string) []byte {
	b, err := xml.Marshal(OSSError{Code: code, Message: message, RequestID: requestID})
	if err != nil { // cannot happen for plain strings
		return []byte("<Error><Code>" + code + "</Code></Error>")
	}
	return append([]byte(xml.Header), b...)
}

// URLExpiry reads the expiry of a pre-signed URL from its x-oss-expires
// query parameter (absolute Unix seconds). ok is false when absent.
func URLExpiry(rawURL string) (exp time.Time, ok bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return time.Time{}, false
	}
	s, err := strconv.ParseInt(u.Query().Get(QueryExpires), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(s, 0), true
}
