package hostfuncs

import (
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	extism "github.com/extism/go-sdk"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

const hello = "hello, wasmdrive\n"

func helloSHA1() string {
	s := sha1.Sum([]byte(hello))
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// allPlugin builds the plugin that exercises every host function and a
// fixture granting everything, with a local folder holding hello.txt.
func allPlugin(t *testing.T) (*fixture, map[string]any) {
	f := newFixture(t, AllowAll())
	p := newPlugin(t, buildPlugin(t, "all"), pluginOpts{})
	src := filepath.Join(f.dir, "src")
	mustMkdir(t, filepath.Join(src, "sub"))
	mustWrite(t, filepath.Join(src, "hello.txt"), hello)
	mustWrite(t, filepath.Join(src, "sub", "x.bin"), "xx")
	out := filepath.Join(f.dir, "out")
	return f, map[string]any{"local_dir": src, "out_dir": out, "_plugin": p}
}

func mustMkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestDriveFunctionsEndToEnd(t *testing.T) {
	f, in := allPlugin(t)
	p := in["_plugin"]
	delete(in, "_plugin")
	var got map[string]any
	f.call(t, p.(*extism.Plugin), "drive_ops", in, &got)
	want := map[string]any{
		"drive_id":              "local",
		"mkdir_exist":           true,
		"upload_size":           float64(len(hello)),
		"get_name":              "hello.txt",
		"by_path_id":            true,
		"list_b":                float64(1),
		"list_all_t":            []any{"a", "c"},
		"walk":                  []any{"/t/a", "/t/c", "/t/a/b", "/t/a/b/hello.txt"},
		"search":                float64(1),
		"rename":                "hello2.txt",
		"moved_path":            true,
		"download_sha1":         helloSHA1(),
		"download_bytes":        float64(len(hello)),
		"download_again_exists": true,
		"url_nonempty":          true,
		"shares":                float64(1),
		"get_trashed":           "",
		"trash_list":            float64(1),
		"get_deleted_not_found": true,
		"batch_failed":          float64(0),
		"batch_trash_failed":    float64(1),
		"batch_trash_last_code": abi.CodeNotFound,
		"not_found":             true,
	}
	t.Logf("report: %v", got)
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s = %#v, want %#v", k, got[k], w)
		}
	}
	for k, v := range got {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "error:") {
			t.Errorf("%s: %s", k, s)
		}
	}
	if c := got["request_code"]; c == abi.CodePermissionDenied || c == abi.CodeInvalidArgument {
		t.Errorf("wd_drive_request answered %v; want it to reach the drive", c)
	}
	b, err := os.ReadFile(filepath.Join(in["out_dir"].(string), "dl.txt"))
	if err != nil || string(b) != hello {
		t.Errorf("downloaded file = %q, %v", b, err)
	}
	// One audit record per mutation, each naming the run.
	ops := map[string]int{}
	for _, r := range f.auditRecords(t) {
		ops[r.Op]++
		if r.RunID != "run-1" || r.Plugin != "test" || r.Hash == "" || r.Account != "acct" {
			t.Errorf("audit record lacks who: %+v", r)
		}
	}
	wantOps := map[string]int{abi.FnDriveMkdir: 3, abi.FnDriveUpload: 1, abi.FnDriveRename: 1, abi.FnDriveCopy: 1,
		abi.FnDriveMove: 1, abi.FnShareCreate: 1, abi.FnShareCancel: 1, abi.FnDriveTrash: 1, abi.FnDriveRestore: 1,
		abi.FnDriveDelete: 1, abi.FnDriveBatch: 2, abi.FnDriveRequest: 1}
	if !reflect.DeepEqual(ops, wantOps) {
		t.Errorf("audit ops = %v, want %v", ops, wantOps)
	}
}
