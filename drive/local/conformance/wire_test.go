package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// wire sends one request exactly as given (method, headers, body bytes)
// and returns the status and the raw answer, so a test can replay the
// wire shape of a client written in another language.
func wire(t *testing.T, method, url string, hdr map[string]string, body []byte) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// errCode is the `code` of an error answer ("" when there is none).
func errCode(raw []byte) string {
	var e struct {
		Code string `json:"code"`
	}
	json.Unmarshal(raw, &e)
	return e.Code
}

// q is s as a JSON string, for hand-built bodies whose key order matters.
func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jwtSub is alist's getSub (drivers/aliyundrive_open/util.go): the token
// must have three segments and its middle one, decoded with
// base64.RawStdEncoding, carries `sub`.
func jwtSub(token string) (string, bool) {
	seg := strings.Split(token, ".")
	if len(seg) != 3 {
		return "", false
	}
	b, err := base64.RawStdEncoding.DecodeString(seg[1])
	if err != nil {
		return "", false
	}
	var p struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(b, &p) != nil {
		return "", false
	}
	return p.Sub, true
}
