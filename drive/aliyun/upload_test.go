package aliyun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// fakeUploads serves one multipart session ("F"/"u1") on a fakeAPI.
type fakeUploads struct {
	mu      sync.Mutex
	gen     int            // URL generation; URLs of older generations are expired
	parts   map[int][]byte // stored parts
	puts    map[int]int    // PUTs per part
	expire  map[int]bool   // parts whose first PUT answers 403
	inOrder bool           // refuse a part whose predecessor is missing
	query   string         // appended to every part URL (e.g. OSS V4 expiry parameters)
	// parallel is listUploadedParts' parallelUpload grant.
	parallel bool
	// notSeq counts PartNotSequential answers; inflight and maxInflight
	// the part PUTs being served at once.
	notSeq, inflight, maxInflight int
	// onPut, when set, runs at the start of every part PUT (no lock held).
	onPut func(part int)
}

func newFakeUploads(f *fakeAPI) *fakeUploads {
	u := &fakeUploads{gen: 1, parts: map[int][]byte{}, puts: map[int]int{}, expire: map[int]bool{}}
	urls := func(list []openapi.PartInfo) []openapi.PartInfo {
		u.mu.Lock()
		defer u.mu.Unlock()
		out := make([]openapi.PartInfo, len(list))
		for i, p := range list {
			out[i] = openapi.PartInfo{PartNumber: p.PartNumber, UploadURL: fmt.Sprintf("%s/part/%d?gen=%d%s", f.srv.URL, p.PartNumber, u.gen, u.query)}
		}
		return out
	}
	f.handle(openapi.PathCreate, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.CreateRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		writeJSON(w, 200, openapi.CreateResponse{FileID: "F", UploadID: "u1", FileName: req.Name, PartInfoList: urls(req.PartInfoList)})
	})
	f.handle(openapi.PathGetUploadURL, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.UploadURLRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		u.mu.Lock()
		u.gen++
		u.mu.Unlock()
		writeJSON(w, 200, openapi.UploadURLResponse{FileID: "F", UploadID: "u1", PartInfoList: urls(req.PartInfoList)})
	})
	f.handle(openapi.PathListUploadedParts, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.ListUploadedPartsRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.UploadID != "u1" {
			writeJSON(w, 400, map[string]string{"code": drive.CodeNotFoundUploadID})
			return
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		var l []openapi.UploadedPart
		for n, b := range u.parts {
			l = append(l, openapi.UploadedPart{PartNumber: n, PartSize: int64(len(b))})
		}
		sort.Slice(l, func(i, j int) bool { return l[i].PartNumber < l[j].PartNumber })
		writeJSON(w, 200, openapi.ListUploadedPartsResponse{UploadID: "u1", UploadedParts: l, ParallelUpload: u.parallel})
	})
	f.handle(openapi.PathComplete, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, drive.File{FileID: "F", Name: "x", Type: "file", Size: int64(len(u.content()))})
	})
	f.setParts(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "part PUT must not carry the API token", 400)
			return
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/part/"))
		gen, _ := strconv.Atoi(r.URL.Query().Get("gen"))
		u.mu.Lock()
		u.inflight++
		u.maxInflight = max(u.maxInflight, u.inflight)
		onPut := u.onPut
		u.mu.Unlock()
		defer func() { u.mu.Lock(); u.inflight--; u.mu.Unlock() }()
		if onPut != nil {
			onPut(n)
		}
		b, err := io.ReadAll(r.Body)
		if err != nil { // the client gave up on this request
			return
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		u.puts[n]++
		if gen < u.gen || u.expire[n] {
			delete(u.expire, n)
			w.WriteHeader(403)
			_, _ = w.Write(openapi.EncodeOSSError("AccessDenied", "Request has expired.", ""))
			return
		}
		if _, ok := u.parts[n-1]; u.inOrder && n > 1 && !ok {
			u.notSeq++
			w.WriteHeader(409)
			_, _ = w.Write(openapi.EncodeOSSError("PartNotSequential", "part out of order", ""))
			return
		}
		if _, ok := u.parts[n]; ok {
			w.WriteHeader(409)
			_, _ = w.Write(openapi.EncodeOSSError("PartAlreadyExist", "part exists", ""))
			return
		}
		u.parts[n] = b
	})
	return u
}

func (u *fakeUploads) content() []byte {
	var keys []int
	for k := range u.parts {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var b []byte
	for _, k := range keys {
		b = append(b, u.parts[k]...)
	}
	return b
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUploadRenewsExpiredPartURL(t *testing.T) {
	f := newFakeAPI(t)
	u := newFakeUploads(f)
	u.expire[2] = true
	c, _ := f.client(t, nil)
	data := randomBytes(t, 10<<10)
	var sessions []drive.UploadSession
	res, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: int64(len(data)),
		Content: bytes.NewReader(data), PartSize: 4 << 10, OnSession: func(s drive.UploadSession) { sessions = append(sessions, s) }})
	if err != nil {
		t.Fatal(err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !bytes.Equal(u.content(), data) {
		t.Fatal("stored content differs")
	}
	if f.hitCount(openapi.PathGetUploadURL) < 1 || u.puts[2] != 2 {
		t.Fatalf("getUploadUrl %d, PUTs of part 2: %d", f.hitCount(openapi.PathGetUploadURL), u.puts[2])
	}
	if res.RapidUpload || res.File.FileID != "F" || len(sessions) != 1 || sessions[0].UploadID != "u1" {
		t.Fatalf("result %+v sessions %+v", res, sessions)
	}
}

func TestResumeSendsOnlyMissingParts(t *testing.T) {
	f := newFakeAPI(t)
	u := newFakeUploads(f)
	c, _ := f.client(t, nil)
	data := randomBytes(t, 10<<10)
	u.parts[1], u.parts[2] = data[:4<<10], data[4<<10:8<<10]
	var sent int64
	res, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: int64(len(data)),
		Content: bytes.NewReader(data), Resume: &drive.UploadSession{FileID: "F", UploadID: "u1", PartSize: 4 << 10, Size: int64(len(data))},
		Progress: func(n int64) { sent = n }})
	if err != nil {
		t.Fatal(err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.puts[1] != 0 || u.puts[2] != 0 || u.puts[3] != 1 {
		t.Fatalf("PUTs per part: %v (parts 1 and 2 were already stored)", u.puts)
	}
	if !bytes.Equal(u.content(), data) || !res.Resumed || res.BytesSent != 2<<10 || sent != 2<<10 {
		t.Fatalf("resumed %v sent %d progress %d", res.Resumed, res.BytesSent, sent)
	}
	if f.hitCount(openapi.PathCreate) != 0 {
		t.Fatal("resume created a new session")
	}
}

func TestResumeUnknownUploadStartsOver(t *testing.T) {
	f := newFakeAPI(t)
	u := newFakeUploads(f)
	c, _ := f.client(t, nil)
	data := randomBytes(t, 6<<10)
	res, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: int64(len(data)), Content: bytes.NewReader(data),
		PartSize: 4 << 10, Resume: &drive.UploadSession{FileID: "F", UploadID: "gone", PartSize: 4 << 10, Size: int64(len(data))}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed || f.hitCount(openapi.PathCreate) != 1 {
		t.Fatalf("resumed %v creates %d", res.Resumed, f.hitCount(openapi.PathCreate))
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !bytes.Equal(u.content(), data) {
		t.Fatal("content differs")
	}
}

func TestRapidUploadAfterPreHashMatch(t *testing.T) {
	f := newFakeAPI(t)
	data := randomBytes(t, 5000)
	want, err := hashContent(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var creates []openapi.CreateRequest
	f.handle(openapi.PathCreate, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.CreateRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		creates = append(creates, req)
		switch {
		case req.PreHash != "":
			writeJSON(w, 400, map[string]string{"code": drive.CodePreHashMatched})
		case req.ContentHash == want && req.ProofCode != "":
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			proof, _ := openapi.ProofCode(tok, bytes.NewReader(data), int64(len(data)))
			if proof != req.ProofCode {
				writeJSON(w, 400, map[string]string{"code": drive.CodeInvalidRapidProof})
				return
			}
			writeJSON(w, 200, openapi.CreateResponse{FileID: "R", RapidUpload: true})
		default:
			writeJSON(w, 400, map[string]string{"code": "InvalidParameter"})
		}
	})
	f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, drive.File{FileID: "R", Size: int64(len(data)), ContentHash: want})
	})
	c, _ := f.client(t, nil)
	res, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: int64(len(data)), Content: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.RapidUpload || res.BytesSent != 0 || c.BodyBytesSent() != 0 || len(creates) != 2 {
		t.Fatalf("rapid %v sent %d creates %d", res.RapidUpload, res.BytesSent, len(creates))
	}
	if creates[0].PreHash != openapi.PreHashBytes(data) || creates[0].ContentHash != "" {
		t.Fatalf("first create %+v", creates[0])
	}
}

func TestUploadRefuseExistingName(t *testing.T) {
	f := newFakeAPI(t)
	f.handle(openapi.PathCreate, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, openapi.CreateResponse{FileID: "old", Exist: true})
	})
	c, _ := f.client(t, nil)
	_, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: 3, Content: strings.NewReader("abc")})
	if !errorsIs(err, drive.ErrAlreadyExists) {
		t.Fatalf("err = %v", err)
	}
}

func TestUploadFallsBackToSequentialParts(t *testing.T) {
	f := newFakeAPI(t)
	u := newFakeUploads(f)
	u.inOrder = true
	u.parallel = true // granted, yet the parts land out of order: fall back
	c, _ := f.client(t, func(o *Options) { o.PartConcurrency = 4 })
	data := randomBytes(t, 40<<10)
	if _, err := c.Upload(context.Background(), drive.UploadRequest{Name: "x", Size: int64(len(data)),
		Content: bytes.NewReader(data), PartSize: 4 << 10}); err != nil {
		t.Fatal(err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !bytes.Equal(u.content(), data) {
		t.Fatal("content differs")
	}
}

func TestAutoPartSize(t *testing.T) {
	const mib = 1 << 20
	tests := []struct{ size, want int64 }{
		{0, 10 * mib},
		{5 * mib, 10 * mib},
		{320 * mib, 10 * mib},
		{321 * mib, 11 * mib},
		{1 << 30, 32 * mib},
		{4 << 30, 64 * mib},
		{100 << 30, 64 * mib},
	}
	for _, tt := range tests {
		if got := autoPartSize(tt.size); got != tt.want {
			t.Errorf("autoPartSize(%d MiB) = %d MiB, want %d MiB", tt.size/mib, got/mib, tt.want/mib)
		}
	}
	if n := openapi.PartCount(1<<40, openapi.PartSize(1<<40, autoPartSize(1<<40))); n > openapi.MaxParts {
		t.Fatalf("1 TiB in %d parts", n)
	}
	l := partList(10*mib+5, 4*mib)
	if len(l) != 3 || l[0].PartSize != 4*mib || l[2].PartSize != 2*mib+5 {
		t.Fatalf("partList %+v", l)
	}
}
