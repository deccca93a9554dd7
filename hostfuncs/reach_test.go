package hostfuncs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// reachRow is one host function in TestEveryFunctionKeepsToItsGrant: a
// request inside the grant and one reaching outside it (nil for the core
// functions every plugin has, and for those only the function grant
// guards: their refusal is the function one, tested for every function).
type reachRow struct {
	granted   func() any
	ungranted func() any
	// narrow, when set, is the grant of the ungranted call instead of the
	// base one (a search or share list outside the grant is one with no
	// path for its operation).
	narrow func(Grant) Grant
	// items: the answer of a refused request is an envelope holding a
	// per-item refusal (batch, upload_many).
	items bool
	// audited: a granted call writes one audit record.
	audited bool
}

// reachFixture is the drive and host folders the rows work on: /A and
// ok/ are granted, /B and bad/ are not.
type reachFixture struct {
	*probe
	t       *testing.T
	n       int
	ok, bad string
}

// file uploads a new small file into drive folder dir and returns it.
func (r *reachFixture) file(dir string) *drive.File {
	r.t.Helper()
	ctx := context.Background()
	parent, err := r.drive.MkdirAll(ctx, dir)
	if err != nil {
		r.t.Fatal(err)
	}
	r.n++
	body := []byte("x")
	up, err := r.drive.Upload(ctx, drive.UploadRequest{ParentFileID: parent.FileID, Name: fmt.Sprintf("f%d.txt", r.n),
		Size: int64(len(body)), Content: bytes.NewReader(body)})
	if err != nil {
		r.t.Fatal(err)
	}
	return up.File
}

func (r *reachFixture) folder(p string) string {
	r.t.Helper()
	f, err := r.drive.MkdirAll(context.Background(), p)
	if err != nil {
		r.t.Fatal(err)
	}
	return f.FileID
}

func (r *reachFixture) trashed(dir string) string {
	f := r.file(dir)
	if err := r.drive.Trash(context.Background(), f.FileID); err != nil {
		r.t.Fatal(err)
	}
	return f.FileID
}

func (r *reachFixture) share(dir string) string {
	sh, err := r.drive.CreateShare(context.Background(), drive.ShareRequest{FileIDs: []string{r.file(dir).FileID}, Password: "pw"})
	if err != nil {
		r.t.Fatal(err)
	}
	return sh.ShareID
}

func (r *reachFixture) rows() map[string]reachRow {
	id := func(dir string) func() any { return func() any { return abi.FileRequest{FileID: r.file(dir).FileID} } }
	get := func(dir string) func() any { return func() any { return abi.GetRequest{FileID: r.file(dir).FileID} } }
	url := func(dir string) func() any {
		return func() any { return abi.DownloadURLRequest{FileID: r.file(dir).FileID} }
	}
	local := func(dir string) func() any {
		return func() any { return abi.LocalPathRequest{Path: filepath.Join(dir, "hello.txt")} }
	}
	upload := func(dir string) abi.UploadRequest {
		r.n++
		return abi.UploadRequest{LocalPath: filepath.Join(r.ok, "hello.txt"), ParentPath: dir, Name: fmt.Sprintf("up%d", r.n)}
	}
	noRead := func(g Grant) Grant { g.Drive.Read = nil; return g }
	noShare := func(g Grant) Grant { g.Drive.Share = nil; return g }
	return map[string]reachRow{
		abi.FnDriveInfo:  {granted: func() any { return nil }},
		abi.FnDriveSpace: {granted: func() any { return nil }},
		abi.FnDriveGet:   {granted: get("/A"), ungranted: get("/B")},
		abi.FnDriveGetByPath: {granted: func() any { r.file("/A"); return abi.GetByPathRequest{Path: "/A"} },
			ungranted: func() any { return abi.GetByPathRequest{Path: "/B"} }},
		abi.FnDriveList: {granted: func() any { return abi.ListRequest{ParentFileID: r.folder("/A")} },
			ungranted: func() any { return abi.ListRequest{ParentFileID: r.folder("/B")} }},
		abi.FnDriveSearch: {granted: func() any { return abi.SearchRequest{Query: `name match "f"`} },
			ungranted: func() any { return abi.SearchRequest{Query: `name match "f"`} }, narrow: noRead},
		abi.FnDriveMkdir: {granted: func() any { return abi.MkdirRequest{Path: "/A/new"} },
			ungranted: func() any { return abi.MkdirRequest{Path: "/B/new"} }, audited: true},
		abi.FnDriveRename: {granted: func() any { return abi.RenameRequest{FileID: r.file("/A").FileID, Name: "renamed"} },
			ungranted: func() any { return abi.RenameRequest{FileID: r.file("/B").FileID, Name: "renamed"} }, audited: true},
		abi.FnDriveMove: {granted: func() any { return abi.MoveRequest{FileID: r.file("/A").FileID, ToParentID: r.folder("/A/to")} },
			ungranted: func() any { return abi.MoveRequest{FileID: r.file("/B").FileID, ToParentID: r.folder("/A/to")} }, audited: true},
		abi.FnDriveCopy: {granted: func() any {
			return abi.CopyRequest{FileID: r.file("/A").FileID, ToParentID: r.folder("/A/to"), AutoRename: true}
		},
			ungranted: func() any { return abi.CopyRequest{FileID: r.file("/B").FileID, ToParentID: r.folder("/A/to")} }, audited: true},
		abi.FnDriveTrash: {granted: id("/A"), ungranted: id("/B"), audited: true},
		abi.FnDriveRestore: {granted: func() any { return abi.FileRequest{FileID: r.trashed("/A")} },
			ungranted: func() any { return abi.FileRequest{FileID: r.trashed("/B")} }, audited: true},
		abi.FnDriveDelete: {granted: id("/A"), ungranted: id("/B"), audited: true},
		abi.FnDriveBatch: {
			granted: func() any {
				return abi.BatchRequest{Items: []abi.BatchItem{{Op: abi.OpTrash, FileID: r.file("/A").FileID}}}
			},
			ungranted: func() any {
				return abi.BatchRequest{Items: []abi.BatchItem{{Op: abi.OpTrash, FileID: r.file("/B").FileID}}}
			}, items: true, audited: true},
		abi.FnDriveUpload: {granted: func() any { return upload("/A") }, ungranted: func() any { return upload("/B") }, audited: true},
		abi.FnDriveDownload: {
			granted: func() any {
				return abi.DownloadRequest{FileID: r.file("/A").FileID, LocalPath: filepath.Join(r.ok, fmt.Sprintf("dl%d", r.n))}
			},
			ungranted: func() any {
				return abi.DownloadRequest{FileID: r.file("/B").FileID, LocalPath: filepath.Join(r.ok, fmt.Sprintf("dl%d", r.n))}
			}},
		abi.FnDriveDownloadURL: {granted: url("/A"), ungranted: url("/B")},
		abi.FnDriveRequest: {
			granted: func() any {
				return abi.RawRequest{Path: openapi.PathGet, Body: mustJSON(r.t, map[string]string{"file_id": r.file("/A").FileID})}
			},
			ungranted: func() any {
				return abi.RawRequest{Path: openapi.PathGet, Body: mustJSON(r.t, map[string]string{"file_id": r.file("/B").FileID})}
			}, audited: true},
		abi.FnShareCreate: {granted: func() any { return abi.ShareRequest{FileIDs: []string{r.file("/A").FileID}} },
			ungranted: func() any { return abi.ShareRequest{FileIDs: []string{r.file("/B").FileID}} }, audited: true},
		abi.FnShareList: {granted: func() any { return abi.ShareListRequest{} },
			ungranted: func() any { return abi.ShareListRequest{} }, narrow: noShare},
		abi.FnShareCancel: {granted: func() any { return abi.ShareCancelRequest{ShareID: r.share("/A")} },
			ungranted: func() any { return abi.ShareCancelRequest{ShareID: r.share("/B")} }, audited: true},
		abi.FnLocalList: {granted: func() any { return abi.LocalListRequest{Path: r.ok} },
			ungranted: func() any { return abi.LocalListRequest{Path: r.bad} }},
		abi.FnLocalStat: {granted: local(r.ok), ungranted: local(r.bad)},
		abi.FnLocalSHA1: {granted: local(r.ok), ungranted: local(r.bad)},
		abi.FnLocalScan: {granted: func() any { return abi.LocalScanRequest{Path: r.ok} },
			ungranted: func() any { return abi.LocalScanRequest{Path: r.bad} }},
		abi.FnKVGet: {granted: func() any {
			if _, err := r.env.KV.Put(context.Background(), r.env.kvKey("k"), []byte("v"), nil); err != nil {
				r.t.Fatal(err)
			}
			return abi.KVKeyRequest{Key: "k"}
		}},
		abi.FnKVPut:    {granted: func() any { return abi.KVPutRequest{Key: "k", Value: []byte("v")} }},
		abi.FnKVDelete: {granted: func() any { return abi.KVKeyRequest{Key: "k"} }},
		abi.FnKVList:   {granted: func() any { return abi.KVListRequest{} }},
		abi.FnEmit: {granted: func() any { return abi.EmitRequest{Subject: "ok.x", Data: json.RawMessage(`1`)} },
			ungranted: func() any { return abi.EmitRequest{Subject: "no.x", Data: json.RawMessage(`1`)} }, audited: true},
		abi.FnDriveUploadMany: {granted: func() any { return abi.UploadManyRequest{Items: []abi.UploadRequest{upload("/A")}} },
			ungranted: func() any { return abi.UploadManyRequest{Items: []abi.UploadRequest{upload("/B")}} }, items: true, audited: true},
		abi.FnLog:      {granted: func() any { return abi.LogRequest{Msg: "hi"} }},
		abi.FnProgress: {granted: func() any { return abi.ProgressRequest{Done: 1, Total: 2} }},
		abi.FnConfig:   {granted: func() any { return nil }},
		abi.FnNow:      {granted: func() any { return nil }},
		abi.FnSleep:    {granted: func() any { return abi.SleepRequest{Millis: 1} }},
		abi.FnRunInfo:  {granted: func() any { return nil }},
	}
}

// TestEveryFunctionKeepsToItsGrant walks every host function of the
// registry (functions.go) through the probe plugin: inside the grant it
// answers, outside it refuses with permission_denied without naming what
// the plugin did not name, and every refusal (and every granted mutation
// or publish) writes an audit record saying who, what and the result. A
// function without a row fails the test.
func TestEveryFunctionKeepsToItsGrant(t *testing.T) {
	base := Grant{Functions: []string{"*", "drive.request"},
		Drive: DriveGrant{Read: []string{"/A"}, Write: []string{"/A"}, Delete: []string{"/A"}, Share: []string{"/A"}},
		Emit:  []string{"ok.>"}}
	r := &reachFixture{probe: newProbe(t, base), t: t}
	r.ok, r.bad = filepath.Join(r.fixture.dir, "ok"), filepath.Join(r.fixture.dir, "bad")
	for _, d := range []string{r.ok, r.bad} {
		mustMkdir(t, d)
		mustWrite(t, filepath.Join(d, "hello.txt"), hello)
	}
	base.Local = LocalGrant{Read: []string{r.ok}, Write: []string{r.ok}}
	rows := r.rows()
	var names []string
	for fn := range table {
		names = append(names, fn)
	}
	slices.Sort(names)
	for _, fn := range abi.Functions {
		if table[fn] == nil {
			t.Errorf("abi function %s has no handler in the registry", fn)
		}
	}
	seen := 0
	// newRecords runs f and returns the audit records it wrote.
	newRecords := func(f func()) []AuditRecord {
		seen = len(r.auditRecords(t))
		f()
		return r.auditRecords(t)[seen:]
	}
	for _, fn := range names {
		row, ok := rows[fn]
		if !ok {
			t.Errorf("%s has no row in TestEveryFunctionKeepsToItsGrant: add one (a granted and an ungranted request)", fn)
			continue
		}
		t.Run(fn, func(t *testing.T) {
			// Inside the grant.
			r.env.Grant = base
			var e abi.Envelope
			recs := newRecords(func() { e = r.one(t, fn, row.granted()) })
			if !e.OK {
				t.Errorf("granted call: %+v", e.Error)
			}
			if row.items && bytes.Contains(e.Result, []byte(`"code"`)) {
				t.Errorf("granted call failed an item: %s", e.Result)
			}
			switch {
			case row.audited && (len(recs) != 1 || recs[0].Op != fn || recs[0].Result != "ok"):
				t.Errorf("granted call: audit records %+v, want one ok record", recs)
			case !row.audited && len(recs) != 0:
				t.Errorf("granted call: audit records %+v, want none", recs)
			}
			if ExplicitOnly(fn) || slices.Contains(core, fn) {
				// "*" does not grant an explicit-only function; the core
				// ones cannot be refused.
				if g := (Grant{Functions: []string{"*"}}); g.AllowsFunction(fn) == ExplicitOnly(fn) {
					t.Errorf(`"*" grants %s: %v`, fn, g.AllowsFunction(fn))
				}
			}
			if slices.Contains(core, fn) {
				if row.ungranted != nil {
					t.Errorf("core function %s has an ungranted request", fn)
				}
				return
			}
			// Without the function.
			r.env.Grant = base
			r.env.Grant.Functions = nil
			recs = newRecords(func() { e = r.one(t, fn, row.granted()) })
			checkRefusal(t, "without the function", e, recs, fn, "")
			if row.ungranted == nil {
				return
			}
			// With the function, outside the path or subject grant.
			r.env.Grant = base
			if row.narrow != nil {
				r.env.Grant = row.narrow(base)
			}
			req := row.ungranted()
			recs = newRecords(func() { e = r.one(t, fn, req) })
			if row.items {
				if !e.OK || !bytes.Contains(e.Result, []byte(abi.CodePermissionDenied)) {
					t.Errorf("ungranted item: %+v %s, want a permission_denied item", e.Error, e.Result)
				}
				e = abi.Envelope{Error: &abi.Error{Code: abi.CodePermissionDenied, Message: string(e.Result)}}
			}
			checkRefusal(t, "outside the grant", e, recs, fn, string(mustJSON(t, req)))
		})
	}
}

// checkRefusal checks a refused call's answer and its audit record; asked
// is the request, so the answer may name what it names and nothing more
// of /B.
func checkRefusal(t *testing.T, what string, e abi.Envelope, recs []AuditRecord, fn, asked string) {
	t.Helper()
	if code(e) != abi.CodePermissionDenied {
		t.Errorf("%s: %+v, want permission_denied", what, e.Error)
		return
	}
	if strings.Contains(e.Error.Message, "/B") && !strings.Contains(asked, "/B") {
		t.Errorf("%s: the refusal names a path the plugin did not: %s", what, e.Error.Message)
	}
	var denied *AuditRecord
	for i := range recs {
		if recs[i].Result == abi.CodePermissionDenied {
			denied = &recs[i]
		} else if recs[i].Op != abi.FnDriveBatch || recs[i].Count == 0 { // a batch's own record may be ok
			t.Errorf("%s: audit record %+v besides the refusal", what, recs[i])
		}
	}
	switch {
	case denied == nil:
		t.Errorf("%s: no audit record of the refusal in %+v", what, recs)
	case denied.Op != fn || denied.Plugin != "test" || denied.RunID != "run-1" || denied.Account != "acct":
		t.Errorf("%s: audit record lacks who or what: %+v", what, *denied)
	case len(denied.Paths) == 0 && len(denied.FileIDs) == 0 && denied.Target == "":
		t.Errorf("%s: audit record does not say what was refused: %+v", what, *denied)
	}
}
