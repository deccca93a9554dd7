package hostfuncs

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// knownCodes are the codes an envelope may carry.
var knownCodes = map[string]bool{
	abi.CodeNotFound: true, abi.CodeAlreadyExists: true, abi.CodePermissionDenied: true,
	abi.CodeRateLimited: true, abi.CodeInvalidArgument: true, abi.CodeQuotaExceeded: true,
	abi.CodeTimeout: true, abi.CodeInternal: true, abi.CodeUnavailable: true,
	abi.CodeCancelled: true, abi.CodeConflict: true, abi.CodeUnsupported: true,
}

// FuzzDecoders feeds arbitrary bytes to every host function's decoder (the
// first byte picks the function). Calls run under a cancelled context and a
// grant limited to a scratch folder, so decoding and checks are exercised
// while no operation can take effect outside it.
func FuzzDecoders(f *testing.F) {
	seeds := map[string]string{
		abi.FnDriveGet: `{"file_id":"root"}`, abi.FnDriveGetByPath: `{"path":"/a/b"}`,
		abi.FnDriveList: `{"path":"/","limit":10,"marker":"x","trash":true}`, abi.FnDriveSearch: `{"query":"name match \"a\""}`,
		abi.FnDriveMkdir: `{"path":"/a/b"}`, abi.FnDriveRename: `{"file_id":"x","name":"y"}`,
		abi.FnDriveMove: `{"file_id":"x","to_parent_file_id":"root"}`, abi.FnDriveCopy: `{"file_id":"x","to_parent_file_id":"root","auto_rename":true}`,
		abi.FnDriveTrash: `{"file_id":"x"}`, abi.FnDriveBatch: `{"items":[{"op":"copy","file_id":"x","to_parent_file_id":"root"}],"chunk_size":200}`,
		abi.FnDriveUpload: `{"local_path":"/etc/passwd","parent_path":"/x"}`, abi.FnDriveDownload: `{"file_id":"x","local_path":"/tmp/x","length":-1}`,
		abi.FnDriveDownloadURL: `{"file_id":"x","expire_sec":-5}`, abi.FnDriveRequest: `{"path":"/adrive/v1.0/x","body":{"a":[1]}}`,
		abi.FnShareCreate: `{"file_id_list":["x"],"expiration":"2030-01-01T00:00:00Z"}`, abi.FnShareList: `{"limit":-1}`,
		abi.FnShareCancel: `{"share_id":"s"}`, abi.FnLocalList: `{"path":"/","recursive":true,"marker":"a/b"}`,
		abi.FnLocalStat: `{"path":"/"}`, abi.FnLocalSHA1: `{"path":"/dev/zero"}`, abi.FnKVGet: `{"key":"k"}`,
		abi.FnKVPut: `{"key":"k","value":"AAEC","expect_revision":0}`, abi.FnKVList: `{"prefix":"a"}`,
		abi.FnLog: `{"level":"warn","msg":"m","fields":{"a":{"b":[1,2]}}}`, abi.FnProgress: `{"done":-1,"total":2}`,
		abi.FnEmit: `{"subject":"a.b","data":{"x":1},"headers":{"h":"v"}}`, abi.FnSleep: `{"ms":99999999999}`,
		abi.FnDriveUploadMany: `{"items":[{"local_path":"/etc/passwd","parent_path":"/x","resume_key":"k","part_size":-1}],"concurrency":99,"progress":{"bytes_total":5}}`,
		abi.FnLocalScan:       `{"path":"/","include":["**"],"exclude":["a/**"],"max_size":5,"symlinks":"follow","index":["k"],"limit":2,"marker":"a/b"}`,
	}
	for i, fn := range abi.Functions {
		f.Add(uint8(i), []byte(seeds[fn]))
		f.Add(uint8(i), []byte(`{}`))
		f.Add(uint8(i), []byte(`[`))
	}
	fx := newFixture(f, Grant{Functions: []string{"*"},
		Drive: DriveGrant{Read: []string{"/"}, Write: []string{"/"}, Delete: []string{"/"}, Share: []string{"/"}}})
	fx.env.Grant.Local = LocalGrant{Read: []string{fx.dir + "/scratch"}, Write: []string{fx.dir + "/scratch"}}
	fx.env.Grant.Emit = []string{"a.>"}
	fx.env.Audit = nil
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.Fuzz(func(t *testing.T, idx uint8, data []byte) {
		fn := abi.Functions[int(idx)%len(abi.Functions)]
		res, err := table[fn](ctx, fx.env, data)
		var buf bytes.Buffer
		encodeEnvelope(&buf, res, err)
		var e abi.Envelope
		if jerr := json.Unmarshal(buf.Bytes(), &e); jerr != nil {
			t.Fatalf("%s: invalid envelope %q: %v", fn, buf.Bytes(), jerr)
		}
		if !e.OK && (e.Error == nil || !knownCodes[e.Error.Code]) {
			t.Fatalf("%s: bad error %+v", fn, e.Error)
		}
	})
}
