package local

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// rawClient speaks the Open API by hand, to test the wire format.
type rawClient struct {
	t     *testing.T
	ts    *TestServer
	token string
}

func newRaw(t *testing.T, opts ServerOptions) *rawClient {
	ts := NewTestServer(t, opts)
	c := &rawClient{t: t, ts: ts}
	var tr openapi.TokenResponse
	if st := c.call(openapi.PathAccessToken, openapi.AccessTokenRequest{ClientID: ts.ClientID, ClientSecret: ts.ClientSecret,
		GrantType: openapi.GrantRefreshToken, RefreshToken: ts.RefreshToken}, &tr); st != 200 {
		t.Fatalf("token exchange: HTTP %d", st)
	}
	c.token = tr.AccessToken
	return c
}

// call POSTs body as JSON and decodes the answer into out; it returns the status.
func (c *rawClient) call(path string, body, out any) int {
	c.t.Helper()
	st, _, raw := c.do(http.MethodPost, c.ts.URL+path, body)
	if out != nil {
		json.Unmarshal(raw, out)
	}
	return st
}

func (c *rawClient) do(method, u string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, u, r)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

func TestServerErrorsOnTheWire(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	var eb openapi.ErrorBody
	if st := c.call(openapi.PathGet, openapi.FileRequest{FileID: "nope"}, &eb); st != 404 || eb.Code != drive.CodeNotFoundFileID || eb.RequestID == "" {
		t.Fatalf("missing file: HTTP %d %+v", st, eb)
	}
	var sp openapi.SpringError
	if st := c.call("/adrive/v1.0/no/such/route", struct{}{}, &sp); st != 404 || sp.Status != 404 || sp.Path != "/adrive/v1.0/no/such/route" {
		t.Fatalf("unknown route: HTTP %d %+v", st, sp)
	}
	tok := c.token
	c.token = "bogus"
	if st := c.call(openapi.PathList, openapi.ListRequest{ParentFileID: "root"}, &eb); st != 401 || eb.Code != drive.CodeAccessTokenInvalid {
		t.Fatalf("bad token: HTTP %d %+v", st, eb)
	}
	c.token = tok
	if err := c.ts.Drive.ExpireAccessTokens(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := c.call(openapi.PathList, openapi.ListRequest{ParentFileID: "root"}, &eb); st != 401 || eb.Code != drive.CodeAccessTokenExpired {
		t.Fatalf("expired token: HTTP %d %+v", st, eb)
	}
}

func TestServerInjectedFaults(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	tests := []struct {
		spec   string
		status int
		check  func(h http.Header, body []byte) bool
	}{
		{"429:1,retry=250ms", 429, func(h http.Header, b []byte) bool {
			return h.Get(openapi.HeaderRetryAfter) == "250" && strings.Contains(string(b), drive.CodeTooManyRequests)
		}},
		{"502:1", 502, func(h http.Header, b []byte) bool { return string(b) == "Bad Gateway" }},
		{"500:1", 500, func(h http.Header, b []byte) bool { return strings.Contains(string(b), drive.CodeInternalError) }},
		{"token:1", 401, func(h http.Header, b []byte) bool { return strings.Contains(string(b), drive.CodeAccessTokenExpired) }},
		{"500:1,route=/adrive/v1.0/openFile/get", 200, func(http.Header, []byte) bool { return true }},
	}
	for _, tc := range tests {
		fs, seed, err := ParseFaults(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		c.ts.Server.SetFaults(fs, seed)
		st, h, body := c.do(http.MethodPost, c.ts.URL+openapi.PathList, openapi.ListRequest{ParentFileID: "root"})
		if st != tc.status || !tc.check(h, body) {
			t.Errorf("faults %q: HTTP %d %s", tc.spec, st, body)
		}
	}
	c.ts.Server.SetFaults([]Fault{{Kind: FaultReset, Prob: 1}}, 1)
	req, _ := http.NewRequest(http.MethodPost, c.ts.URL+openapi.PathList, strings.NewReader(`{"parent_file_id":"root"}`))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("a reset fault answered normally")
	}
}

func TestServerOAuthRotationAndPKCE(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	ts := c.ts
	first := openapi.AccessTokenRequest{ClientID: ts.ClientID, ClientSecret: ts.ClientSecret, GrantType: openapi.GrantRefreshToken, RefreshToken: ts.RefreshToken}
	var eb openapi.ErrorBody
	if st := c.call(openapi.PathAccessToken, first, &eb); st != 401 || eb.Code != drive.CodeRefreshTokenInvalid {
		t.Fatalf("reusing a refresh token: HTTP %d %+v; want 401 (single use)", st, eb)
	}
	// PKCE: the user approves on the consent page, which redirects with a
	// code bound to the challenge.
	verifier := "verifier-0123456789-0123456789-0123456789"
	q := authorizeQuery(ts.ClientID, "http://127.0.0.1:1/oauth/callback", verifier)
	code := approvedCode(t, ts, q)
	bad := openapi.AccessTokenRequest{ClientID: ts.ClientID, GrantType: openapi.GrantAuthCode, Code: code, CodeVerifier: "wrong"}
	if st := c.call(openapi.PathAccessToken, bad, &eb); st != 400 || eb.Code != "InvalidCode" {
		t.Fatalf("wrong verifier: HTTP %d %+v", st, eb)
	}
	var tr openapi.TokenResponse
	good := openapi.AccessTokenRequest{ClientID: ts.ClientID, ClientSecret: ts.ClientSecret, GrantType: openapi.GrantAuthCode,
		Code: approvedCode(t, ts, q), CodeVerifier: verifier}
	if st := c.call(openapi.PathAccessToken, good, &tr); st != 200 || tr.AccessToken == "" || tr.RefreshToken == "" || tr.ExpiresIn <= 0 {
		t.Fatalf("code exchange: HTTP %d %+v", st, tr)
	}
	// Tokens survive a restart of the drive.
	ts.Drive.Close()
	d2, err := Open(ts.Drive.Dir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if err := d2.checkAccessToken(context.Background(), tr.AccessToken); err != nil {
		t.Fatalf("access token lost in a restart: %v", err)
	}
}

func TestServerUploadProtocol(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	content := bytes.Repeat([]byte("abcdefgh"), 5000) // 40,000 bytes
	s := sha1.Sum(content)
	hash := fmt.Sprintf("%X", s)
	create := openapi.CreateRequest{ParentFileID: "root", Name: "a.bin", Type: "file", Size: int64(len(content)),
		PartInfoList: []openapi.PartInfo{{PartNumber: 1, PartSize: 16384}, {PartNumber: 2}, {PartNumber: 3}}, ContentHash: hash, ContentHashName: "sha1"}
	var cr openapi.CreateResponse
	if st := c.call(openapi.PathCreate, create, &cr); st != 200 || cr.RapidUpload || len(cr.PartInfoList) != 3 || cr.UploadID == "" {
		t.Fatalf("create: HTTP %d %+v", st, cr)
	}
	if exp, ok := openapi.URLExpiry(cr.PartInfoList[0].UploadURL); !ok || exp.IsZero() {
		t.Fatalf("part URL without x-oss-expires: %s", cr.PartInfoList[0].UploadURL)
	}
	put := func(p int, u string) (int, []byte) {
		off, n := openapi.PartRange(p, int64(len(content)), 16384)
		st, _, body := c.do(http.MethodPut, u, content[off:off+n])
		return st, body
	}
	if st, body := put(1, cr.PartInfoList[0].UploadURL); st != 200 {
		t.Fatalf("PUT part 1: HTTP %d %s", st, body)
	}
	if st, body := put(1, cr.PartInfoList[0].UploadURL); st != 409 || !strings.Contains(string(body), "PartAlreadyExist") {
		t.Fatalf("PUT part 1 again: HTTP %d %s", st, body)
	}
	c.ts.Server.SetFaults([]Fault{{Kind: FaultExpire, Prob: 1}}, 1)
	if st, body := put(2, cr.PartInfoList[1].UploadURL); st != 403 || !strings.Contains(string(body), "Request has expired.") {
		t.Fatalf("PUT on an expired URL: HTTP %d %s", st, body)
	}
	c.ts.Server.SetFaults(nil, 0)
	var pl openapi.ListUploadedPartsResponse
	if st := c.call(openapi.PathListUploadedParts, openapi.ListUploadedPartsRequest{FileID: cr.FileID, UploadID: cr.UploadID}, &pl); st != 200 || len(pl.UploadedParts) != 1 {
		t.Fatalf("listUploadedParts: HTTP %d %+v", st, pl)
	}
	var ur openapi.UploadURLResponse
	c.call(openapi.PathGetUploadURL, openapi.UploadURLRequest{FileID: cr.FileID, UploadID: cr.UploadID, PartInfoList: openapi.PartInfoList(2, 3)}, &ur)
	for i, pi := range ur.PartInfoList {
		if st, body := put(i+2, pi.UploadURL); st != 200 {
			t.Fatalf("PUT part %d: HTTP %d %s", i+2, st, body)
		}
	}
	var f drive.File
	if st := c.call(openapi.PathComplete, openapi.CompleteRequest{FileID: cr.FileID, UploadID: cr.UploadID}, &f); st != 200 || f.ContentHash != hash {
		t.Fatalf("complete: HTTP %d %+v", st, f)
	}
	if st := c.call(openapi.PathComplete, openapi.CompleteRequest{FileID: cr.FileID, UploadID: cr.UploadID}, &f); st != 200 {
		t.Fatalf("complete again (idempotent): HTTP %d", st)
	}

	// Rapid upload: pre_hash matches, a wrong proof is refused, the right one succeeds.
	var eb openapi.ErrorBody
	pre := openapi.CreateRequest{ParentFileID: "root", Name: "b.bin", Type: "file", Size: int64(len(content)), PreHash: strings.ToLower(openapi.PreHashBytes(content))}
	if st := c.call(openapi.PathCreate, pre, &eb); st != 400 || eb.Code != drive.CodePreHashMatched {
		t.Fatalf("pre_hash: HTTP %d %+v", st, eb)
	}
	rapid := openapi.CreateRequest{ParentFileID: "root", Name: "b.bin", Type: "file", Size: int64(len(content)), ContentHash: strings.ToLower(hash),
		ContentHashName: "sha1", ProofVersion: "v1", ProofCode: "AAAAAAAAAAA="}
	if st := c.call(openapi.PathCreate, rapid, &eb); st != 400 || eb.Code != drive.CodeInvalidRapidProof {
		t.Fatalf("wrong proof: HTTP %d %+v", st, eb)
	}
	rapid.ProofCode, _ = openapi.ProofCode(c.token, bytes.NewReader(content), int64(len(content)))
	before := c.ts.Server.BodyBytes()
	if st := c.call(openapi.PathCreate, rapid, &cr); st != 200 || !cr.RapidUpload || c.ts.Server.BodyBytes() != before {
		t.Fatalf("rapid upload: HTTP %d %+v", st, cr)
	}

	// A declared content_hash that the bytes do not match fails completion.
	lie := openapi.CreateRequest{ParentFileID: "root", Name: "c.bin", Type: "file", Size: 3, ContentHash: strings.Repeat("0", 40)}
	c.call(openapi.PathCreate, lie, &cr)
	c.do(http.MethodPut, cr.PartInfoList[0].UploadURL, []byte("xyz"))
	if st := c.call(openapi.PathComplete, openapi.CompleteRequest{FileID: cr.FileID, UploadID: cr.UploadID}, &eb); st != 400 || eb.Code != drive.CodeInvalidContentHash {
		t.Fatalf("complete with a wrong content_hash: HTTP %d %+v", st, eb)
	}

	// Download with a Range.
	var du drive.DownloadURL
	c.call(openapi.PathGetDownloadURL, openapi.DownloadURLRequest{FileID: f.FileID}, &du)
	req, _ := http.NewRequest(http.MethodGet, du.URL, nil)
	req.Header.Set("Range", "bytes=8-15")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(got) != "abcdefgh" {
		t.Fatalf("ranged GET: HTTP %d %q", resp.StatusCode, got)
	}
}

func TestServerBatch(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	var cr openapi.CreateResponse
	c.call(openapi.PathCreate, openapi.CreateRequest{ParentFileID: "root", Name: "d", Type: "folder"}, &cr)
	body := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	req := openapi.BatchRequest{Resource: "file", Requests: []openapi.BatchSubJSON{
		{ID: "1", Method: "POST", URL: openapi.BatchURLGet, Body: body(openapi.FileRequest{FileID: cr.FileID})},
		{ID: "2", Method: "POST", URL: openapi.BatchURLTrash, Body: body(openapi.FileRequest{FileID: "missing"})},
		{ID: "3", Method: "POST", URL: "/file/explode", Body: body(struct{}{})},
		{ID: "4", Method: "POST", URL: openapi.BatchURLCopy, Body: body(openapi.CopyRequest{FileID: cr.FileID, ToParentFileID: "root", AutoRename: true})},
	}}
	var br openapi.BatchResponse
	if st := c.call(openapi.PathBatch, req, &br); st != 200 || len(br.Responses) != 4 {
		t.Fatalf("batch: HTTP %d %+v", st, br)
	}
	for i, want := range []int{200, 404, 400, 201} {
		if r := br.Responses[i]; r.Status != want || r.ID != req.Requests[i].ID {
			t.Errorf("item %s: status %d body %s; want %d", r.ID, r.Status, r.Body, want)
		}
	}
	req.Requests = make([]openapi.BatchSubJSON, openapi.MaxBatch+1)
	if st := c.call(openapi.PathBatch, req, nil); st != 400 {
		t.Fatalf("a batch of %d items: HTTP %d, want 400", openapi.MaxBatch+1, st)
	}
}

func TestSignedURLs(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	ctx := context.Background()
	up, err := c.ts.Drive.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "u.txt", Size: 5, Content: strings.NewReader("hello")})
	if err != nil {
		t.Fatal(err)
	}
	du, err := c.ts.Drive.DownloadURL(ctx, up.File.FileID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if st, _, body := c.do(http.MethodGet, du.URL, nil); st != 200 || string(body) != "hello" {
		t.Fatalf("GET signed URL: HTTP %d %q", st, body)
	}
	u, _ := url.Parse(du.URL)
	q := u.Query()
	tests := []struct {
		name string
		mod  func(url.Values)
		code string
	}{
		{"tampered expiry", func(q url.Values) { q.Set(openapi.QueryExpires, "9999999999") }, "SignatureDoesNotMatch"},
		{"missing signature", func(q url.Values) { q.Del(openapi.QuerySignature) }, "SignatureDoesNotMatch"},
		{"other file", func(q url.Values) {}, "SignatureDoesNotMatch"},
	}
	for _, tc := range tests {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		tc.mod(v)
		p := u.Path
		if tc.name == "other file" {
			p = downloadPrefix + "someone-else"
		}
		st, _, body := c.do(http.MethodGet, c.ts.URL+p+"?"+v.Encode(), nil)
		if st != 403 || !strings.Contains(string(body), tc.code) {
			t.Errorf("%s: HTTP %d %s", tc.name, st, body)
		}
	}
	past, err := c.ts.Drive.signedURL(http.MethodGet, u.Path, time.Now().Add(-2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st, _, body := c.do(http.MethodGet, past, nil); st != 403 || !strings.Contains(string(body), "Request has expired.") {
		t.Fatalf("expired URL: HTTP %d %s", st, body)
	}
}

func TestServerRateLimit(t *testing.T) {
	c := newRaw(t, ServerOptions{RateLimit: 0.01, Burst: 2}) // a token per 100 s
	// The token exchange is not an API call; two calls fit the burst.
	for i := range 2 {
		if st := c.call(openapi.PathDriveInfo, struct{}{}, nil); st != 200 {
			t.Fatalf("call %d within the burst: HTTP %d", i, st)
		}
	}
	st, h, body := c.do(http.MethodPost, c.ts.URL+openapi.PathDriveInfo, struct{}{})
	ms, _ := strconv.Atoi(h.Get(openapi.HeaderRetryAfter))
	if st != 429 || ms <= 0 || ms > 100000 || !strings.Contains(string(body), drive.CodeTooManyRequests) {
		t.Fatalf("call over the limit: HTTP %d, x-retry-after %q, %s", st, h.Get(openapi.HeaderRetryAfter), body)
	}
}
