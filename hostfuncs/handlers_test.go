package hostfuncs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// callHandler runs one host function's handler as serve does (grant check
// included) and returns the envelope.
func callHandler(t testing.TB, ctx context.Context, env *Env, fn string, req any) abi.Envelope {
	t.Helper()
	in, _ := json.Marshal(req)
	res, err := invoke(ctx, env, fn, table[fn], in)
	var buf bytes.Buffer
	encodeEnvelope(&buf, res, err)
	var e abi.Envelope
	if err := json.Unmarshal(buf.Bytes(), &e); err != nil {
		t.Fatalf("%s: envelope %q: %v", fn, buf.Bytes(), err)
	}
	return e
}

func code(e abi.Envelope) string {
	if e.Error == nil {
		return ""
	}
	return e.Error.Code
}

func TestHandlerErrors(t *testing.T) {
	f := newFixture(t, AllowAll())
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	tests := []struct {
		name string
		ctx  context.Context
		fn   string
		req  any
		code string
	}{
		{"malformed json", bg, abi.FnDriveGet, json.RawMessage(`{"file_id":`), abi.CodeInvalidArgument},
		{"wrong type", bg, abi.FnDriveGet, map[string]int{"file_id": 1}, abi.CodeInvalidArgument},
		{"missing id", bg, abi.FnDriveGet, map[string]string{}, abi.CodeInvalidArgument},
		{"not found", bg, abi.FnDriveGet, abi.GetRequest{FileID: "nope"}, abi.CodeNotFound},
		{"relative path", bg, abi.FnDriveGetByPath, abi.GetByPathRequest{Path: "a/b"}, abi.CodeInvalidArgument},
		{"dotdot path", bg, abi.FnDriveMkdir, abi.MkdirRequest{Path: "/a/../b"}, abi.CodeInvalidArgument},
		{"remove root", bg, abi.FnDriveTrash, abi.FileRequest{FileID: drive.RootID}, abi.CodeInvalidArgument},
		{"bad log level", bg, abi.FnLog, abi.LogRequest{Level: "loud", Msg: "x"}, abi.CodeInvalidArgument},
		{"negative sleep", bg, abi.FnSleep, abi.SleepRequest{Millis: -1}, abi.CodeInvalidArgument},
		{"sleep cancelled", cancelled, abi.FnSleep, abi.SleepRequest{Millis: 60000}, abi.CodeCancelled},
		{"cancelled before start", cancelled, abi.FnDriveInfo, nil, abi.CodeCancelled},
		{"wildcard subject", bg, abi.FnEmit, abi.EmitRequest{Subject: "a.*"}, abi.CodeInvalidArgument},
		{"kv bad key", bg, abi.FnKVGet, abi.KVKeyRequest{Key: "a b"}, abi.CodeInvalidArgument},
		{"kv missing", bg, abi.FnKVGet, abi.KVKeyRequest{Key: "a"}, abi.CodeNotFound},
		{"bad batch op", bg, abi.FnDriveBatch, abi.BatchRequest{Items: []abi.BatchItem{{Op: "explode", FileID: "x"}}}, ""},
		{"ok", bg, abi.FnDriveSpace, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := callHandler(t, tt.ctx, f.env, tt.fn, tt.req)
			if code(e) != tt.code || e.OK != (tt.code == "") {
				t.Errorf("envelope = %+v (error %+v), want code %q", e, e.Error, tt.code)
			}
		})
	}
}

func TestMissingBackends(t *testing.T) {
	f := newFixture(t, AllowAll())
	f.env.KV, f.env.Emitter, f.env.Sink = nil, nil, nil
	for fn, req := range map[string]any{
		abi.FnKVGet: abi.KVKeyRequest{Key: "a"}, abi.FnKVList: nil,
		abi.FnEmit: abi.EmitRequest{Subject: "a.b"},
	} {
		if e := callHandler(t, context.Background(), f.env, fn, req); code(e) != abi.CodeUnavailable {
			t.Errorf("%s without backend: %+v", fn, e.Error)
		}
	}
	if e := callHandler(t, context.Background(), f.env, abi.FnLog, abi.LogRequest{Msg: "x"}); !e.OK {
		t.Errorf("log without a sink must be dropped quietly: %+v", e.Error)
	}
}

func TestLogLineCap(t *testing.T) {
	f := newFixture(t, AllowAll())
	long := string(bytes.Repeat([]byte("é"), abi.MaxLogLineBytes))
	callHandler(t, context.Background(), f.env, abi.FnLog, abi.LogRequest{Msg: long, Fields: map[string]any{"big": long}})
	l := f.rec.lines[0]
	if len(l.Msg) > abi.MaxLogLineBytes+20 || !json.Valid([]byte(fmt.Sprintf("%q", l.Msg))) {
		t.Errorf("message not capped: %d bytes", len(l.Msg))
	}
	if _, ok := l.Fields["fields_truncated"]; !ok {
		t.Errorf("fields not capped: %v", len(fmt.Sprint(l.Fields)))
	}
}

// TestRestrictedGrantResolvesIDs checks id-based calls under a grant on one
// folder: ids are resolved to paths through their parents.
func TestRestrictedGrantResolvesIDs(t *testing.T) {
	f := newFixture(t, Grant{Functions: []string{"drive"},
		Drive: DriveGrant{Read: []string{"/in"}, Write: []string{"/in/out"}, Delete: []string{"/in/out"}}})
	ctx := context.Background()
	in, _ := f.drive.MkdirAll(ctx, "/in/deep/er")
	out, _ := f.drive.MkdirAll(ctx, "/in/out")
	secret, _ := f.drive.MkdirAll(ctx, "/inx")
	tests := []struct {
		fn   string
		req  any
		code string
	}{
		{abi.FnDriveGet, abi.GetRequest{FileID: in.FileID}, ""},
		{abi.FnDriveGet, abi.GetRequest{FileID: secret.FileID}, abi.CodePermissionDenied},
		{abi.FnDriveList, abi.ListRequest{ParentFileID: in.FileID}, ""},
		{abi.FnDriveList, abi.ListRequest{}, abi.CodePermissionDenied}, // the root
		{abi.FnDriveCopy, abi.CopyRequest{FileID: in.FileID, ToParentID: out.FileID}, ""},
		{abi.FnDriveMove, abi.MoveRequest{FileID: in.FileID, ToParentID: out.FileID}, abi.CodePermissionDenied},
		{abi.FnDriveTrash, abi.FileRequest{FileID: in.FileID}, abi.CodePermissionDenied},
		{abi.FnDriveList, abi.ListRequest{Trash: true}, abi.CodePermissionDenied},
		{abi.FnShareList, nil, abi.CodePermissionDenied},
	}
	for _, tt := range tests {
		if e := callHandler(t, ctx, f.env, tt.fn, tt.req); code(e) != tt.code {
			t.Errorf("%s %+v: got %+v, want %q", tt.fn, tt.req, e.Error, tt.code)
		}
	}
	// Batch: refused items are results, the rest run.
	e := callHandler(t, ctx, f.env, abi.FnDriveBatch, abi.BatchRequest{Items: []abi.BatchItem{
		{Op: abi.OpCopy, FileID: in.FileID, ToParentID: out.FileID, NewName: "c2"},
		{Op: abi.OpTrash, FileID: secret.FileID},
	}})
	var br abi.BatchResponse
	if err := json.Unmarshal(e.Result, &br); err != nil || len(br.Results) != 2 {
		t.Fatalf("batch: %s %v", e.Result, err)
	}
	if br.Results[0].Status >= 300 || br.Results[1].Status != 403 || br.Results[1].Code != abi.CodePermissionDenied {
		t.Errorf("batch results = %+v", br.Results)
	}
}

func TestListFieldsProjection(t *testing.T) {
	f := newFixture(t, AllowAll())
	if _, err := f.drive.MkdirAll(context.Background(), "/p/q"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		req  any
		fn   string
		want string
	}{
		{abi.ListRequest{Path: "/p", Fields: []string{"name", "type", "nope"}}, abi.FnDriveList, `{"name":"q","type":"folder"}`},
		{abi.SearchRequest{Query: `name = "q"`, Fields: []string{"name"}}, abi.FnDriveSearch, `{"name":"q"}`},
	} {
		e := callHandler(t, context.Background(), f.env, tt.fn, tt.req)
		var res struct{ Items []json.RawMessage }
		if err := json.Unmarshal(e.Result, &res); err != nil || len(res.Items) != 1 || string(res.Items[0]) != tt.want {
			t.Errorf("%s: %s (%v), want one item %s", tt.fn, e.Result, err, tt.want)
		}
	}
}

func TestLocalListPaging(t *testing.T) {
	f := newFixture(t, AllowAll())
	root := filepath.Join(f.dir, "tree")
	for _, p := range []string{"a/b/c.txt", "a/d.txt", "a.txt", "b/e.txt", "z.txt"} {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		mustWrite(t, full, p)
	}
	want := []string{"a", "a/b", "a/b/c.txt", "a/d.txt", "a.txt", "b", "b/e.txt", "z.txt"}
	for _, limit := range []int{1, 2, 3, 100} {
		var got []string
		marker := ""
		for range 20 {
			e := callHandler(t, context.Background(), f.env, abi.FnLocalList,
				abi.LocalListRequest{Path: root, Recursive: true, Limit: limit, Marker: marker})
			var page abi.LocalListResult
			if err := json.Unmarshal(e.Result, &page); err != nil {
				t.Fatalf("%+v: %v", e, err)
			}
			for _, en := range page.Entries {
				got = append(got, en.Path)
			}
			if marker = page.NextMarker; marker == "" {
				break
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("limit %d: walk = %v, want %v", limit, got, want)
		}
	}
	e := callHandler(t, context.Background(), f.env, abi.FnLocalList, abi.LocalListRequest{Path: root})
	var page abi.LocalListResult
	json.Unmarshal(e.Result, &page)
	if len(page.Entries) != 4 {
		t.Errorf("non-recursive list = %+v", page.Entries)
	}
}

func TestWalkCompare(t *testing.T) {
	ordered := []string{"a", "a/b", "a/b/c", "a/d", "a.txt", "ab", "b"}
	for i := range ordered {
		for j := range ordered {
			got := walkCompare(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("walkCompare(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestAuditLogConcurrentAndDurable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "audit.jsonl")
	a, err := OpenAuditLog(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenAuditLog(p) // a second writer on the same file
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			log := a
			if i%2 == 1 {
				log = b
			}
			for j := range 25 {
				if err := log.Append(AuditRecord{Op: "wd_drive_trash", FileIDs: []string{fmt.Sprint(i, "-", j)}, Result: "ok"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	a.Close()
	b.Close()
	if err := a.Append(AuditRecord{}); err == nil {
		t.Error("append after close succeeded")
	}
	// Reopen: records survive and new ones are appended.
	c, err := OpenAuditLog(p)
	if err != nil {
		t.Fatal(err)
	}
	c.Append(AuditRecord{Op: "last"})
	c.Close()
	data, _ := os.ReadFile(p)
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) != 201 {
		t.Fatalf("%d lines, want 201", len(lines))
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var r AuditRecord
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatalf("torn line %q: %v", l, err)
		}
		if len(r.FileIDs) == 1 {
			seen[r.FileIDs[0]] = true
		}
	}
	if len(seen) != 200 {
		t.Errorf("%d distinct records, want 200", len(seen))
	}
}

func TestCodeMapping(t *testing.T) {
	tests := []struct {
		err       error
		code      string
		retryable bool
	}{
		{drive.NotFound("x"), abi.CodeNotFound, false},
		{&drive.Error{Status: 429, Code: drive.CodeTooManyRequests}, abi.CodeRateLimited, true},
		{&drive.Error{Status: 503, Code: drive.CodeServiceUnavailable}, abi.CodeUnavailable, true},
		{&drive.Error{Status: 409, Code: drive.CodeAlreadyExist}, abi.CodeAlreadyExists, false},
		{&drive.Error{Code: drive.CodeQuotaExhausted}, abi.CodeQuotaExceeded, false},
		{fmt.Errorf("wrapped: %w", drive.ErrUnsupported), abi.CodeUnsupported, false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), abi.CodeTimeout, false},
		{ErrKVConflict, abi.CodeConflict, false},
		{denied("function:x"), abi.CodePermissionDenied, false},
		{&drive.Error{Status: 403, Code: drive.CodePermissionDenied}, abi.CodePermissionDenied, false},
		{errors.New("other"), abi.CodeInternal, false},
	}
	for _, tt := range tests {
		e := ToABIError(tt.err)
		if e.Code != tt.code || e.Retryable != tt.retryable {
			t.Errorf("ToABIError(%v) = %+v, want %s retryable=%v", tt.err, e, tt.code, tt.retryable)
		}
	}
}
