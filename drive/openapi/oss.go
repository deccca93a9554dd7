package openapi

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
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

// Query parameters that say how to read a pre-signed URL's expiry
// (REFERENCE.md, "part URL expiry": tickstep/aliyunpan
// internal/utils/utils.go GetExpiredTimeSecFromOSSUrl).
const (
	// QuerySignatureVersion is "OSS2", "OSS3" or "OSS4-HMAC-SHA256"; absent
	// on V1 URLs.
	QuerySignatureVersion = "x-oss-signature-version"
	// QueryDate is the V4 signing time, "20231220T083018Z".
	QueryDate = "x-oss-date"
	// QueryExpiresV1 is the V1 absolute expiry (Unix seconds).
	QueryExpiresV1 = "Expires"
)

// ossDateLayout is the layout of QueryDate.
const ossDateLayout = "20060102T150405Z"

// URLExpiry reads the expiry of a pre-signed OSS URL. V4 URLs
// (x-oss-signature-version OSS4-...) carry x-oss-expires as seconds after
// x-oss-date; V2/V3 URLs and URLs without a version (drive/local's) carry it
// as absolute Unix seconds; V1 URLs carry Expires (absolute). A relative
// value on a URL without a version but with x-oss-date is read as V4 too.
// ok is false when the URL says nothing parseable.
func URLExpiry(rawURL string) (exp time.Time, ok bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return time.Time{}, false
	}
	q := u.Query()
	ver := strings.ToUpper(q.Get(QuerySignatureVersion))
	if s := q.Get(QueryExpires); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		date, derr := time.Parse(ossDateLayout, q.Get(QueryDate))
		relative := strings.HasPrefix(ver, "OSS4") || ver == "" && derr == nil && n < date.Unix()
		if !relative {
			return time.Unix(n, 0), true
		}
		if derr != nil {
			return time.Time{}, false
		}
		return date.Add(time.Duration(n) * time.Second), true
	}
	if s := q.Get(QueryExpiresV1); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}
