package hostfuncs

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	extism "github.com/extism/go-sdk"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func TestLocalFunctionsEndToEnd(t *testing.T) {
	f, in := allPlugin(t)
	p := in["_plugin"].(*extism.Plugin)
	delete(in, "_plugin")
	var got map[string]any
	f.call(t, p, "local_ops", in, &got)
	want := map[string]any{
		"list_n":       float64(2),
		"walk":         []any{"hello.txt", "sub", "sub/x.bin"},
		"stat_size":    float64(len(hello)),
		"sha1":         helloSHA1(),
		"sha1_size":    float64(len(hello)),
		"stat_missing": abi.CodeNotFound,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("local_ops = %v\nwant %v", got, want)
	}
}

func TestKVFunctionsEndToEnd(t *testing.T) {
	f, in := allPlugin(t)
	p := in["_plugin"].(*extism.Plugin)
	var got map[string]any
	f.call(t, p, "kv_ops", nil, &got)
	want := map[string]any{
		"missing": true, "cas_create_conflict": true, "cas_stale_conflict": true,
		"value": "v2", "rev_ok": true, "json_a": float64(1),
		"keys": []any{"j", "k1"}, "keys_after": []any{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kv_ops = %v\nwant %v", got, want)
	}
	// Keys are scoped by plugin and account on the store.
	keys, _ := f.env.KV.List(context.Background(), "")
	if !reflect.DeepEqual(keys, []string{"test.acct.j"}) {
		t.Errorf("store keys = %v", keys)
	}
}

func TestMiscFunctionsEndToEnd(t *testing.T) {
	f, in := allPlugin(t)
	p := in["_plugin"].(*extism.Plugin)
	f.env.Grant.Emit = []string{"test.>"}
	var got map[string]any
	f.call(t, p, "misc_ops", nil, &got)
	want := map[string]any{"emit_denied": true, "greeting": "hi", "now_year": float64(time.Now().Year()),
		"run_id": "run-1", "plugin": "test"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("misc_ops = %v\nwant %v", got, want)
	}
	if len(f.rec.lines) != 2 || f.rec.lines[0].Msg != "hello from plugin" || f.rec.lines[0].Level != LevelInfo ||
		f.rec.lines[0].Fields["n"] != float64(42) || f.rec.lines[0].Fields["err"] != "boom" ||
		f.rec.lines[1].Level != LevelDebug || f.rec.lines[0].Source != "plugin" || f.rec.lines[0].RunID != "run-1" {
		t.Errorf("log lines = %+v", f.rec.lines)
	}
	if !reflect.DeepEqual(f.rec.progress, []Progress{{Done: 3, Total: 10, Unit: "files", Note: "working"}}) {
		t.Errorf("progress = %+v", f.rec.progress)
	}
	if !reflect.DeepEqual(f.rec.events, []string{`test.done {"n":1} v`}) {
		t.Errorf("events = %q", f.rec.events)
	}
}

func TestDeniedCapabilities(t *testing.T) {
	g := Grant{Functions: []string{"drive.read", "drive.write", "local"},
		Drive: DriveGrant{Read: []string{"/allowed"}, Write: []string{"/allowed"}}}
	f := newFixture(t, g)
	ctx := context.Background()
	secret, err := f.drive.MkdirAll(ctx, "/secret/inner")
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := f.drive.MkdirAll(ctx, "/allowed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.drive.MkdirAll(ctx, "/allowedx"); err != nil {
		t.Fatal(err)
	}
	localFile := filepath.Join(f.dir, "host-secret")
	mustWrite(t, localFile, "x")
	p := newPlugin(t, buildPlugin(t, "denied"), pluginOpts{})
	var got map[string]string
	f.call(t, p, "try", map[string]string{"secret_id": secret.FileID, "allowed_id": allowed.FileID, "local_file": localFile}, &got)
	for _, k := range []string{"get_secret", "get_by_path_secret", "get_by_path_sibling", "list_secret", "mkdir_secret",
		"move_out_of_secret", "copy_secret", "trash", "delete", "share", "request", "kv", "emit", "local_stat",
		"upload_local", "batch_item"} {
		if got[k] != abi.CodePermissionDenied {
			t.Errorf("%s: code %q, want permission_denied", k, got[k])
		}
	}
	if got["batch"] != "" || got["mkdir_allowed"] != "" {
		t.Errorf("allowed calls failed: batch=%q mkdir_allowed=%q", got["batch"], got["mkdir_allowed"])
	}
	if _, err := f.drive.Get(ctx, secret.FileID); err != nil {
		t.Errorf("secret folder touched: %v", err)
	}
	// Every refused call is audited with its code and the capability.
	var denied []string
	for _, r := range f.auditRecords(t) {
		if r.Result == abi.CodePermissionDenied {
			denied = append(denied, r.Op)
			if !strings.Contains(r.Message, "capability") {
				t.Errorf("audit message does not name the capability: %q", r.Message)
			}
		}
	}
	wantDenied := []string{abi.FnDriveGet, abi.FnDriveGetByPath, abi.FnDriveGetByPath, abi.FnDriveList,
		abi.FnDriveMkdir, abi.FnDriveMove, abi.FnDriveCopy, abi.FnDriveTrash, abi.FnDriveDelete,
		abi.FnShareCreate, abi.FnDriveRequest, abi.FnKVGet, abi.FnEmit, abi.FnLocalStat, abi.FnDriveUpload, abi.FnDriveBatch}
	if !reflect.DeepEqual(denied, wantDenied) {
		t.Errorf("audited refusals = %v, want %v", denied, wantDenied)
	}
}

func TestSleepHonoursCancellation(t *testing.T) {
	f, in := allPlugin(t)
	p := in["_plugin"].(*extism.Plugin)
	for _, tt := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		code string
	}{
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, abi.CodeCancelled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, abi.CodeTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The host function returns the code; the guest may then be closed
			// by the context too, so accept either a failed call naming the
			// code or the module being closed.
			ctx, cancel := tt.ctx()
			defer cancel()
			f.env.Sink = nil
			sleepOnce := func() error {
				_, _, err := p.CallWithContext(WithEnv(ctx, f.env), "sleep", []byte(`{"ms":600000}`))
				return err
			}
			err := sleepOnce()
			t.Logf("sleep error: %v", err)
			if err == nil {
				t.Fatal("a 10-minute sleep returned without error")
			}
			if !strings.Contains(err.Error(), tt.code) && !strings.Contains(err.Error(), "closed") {
				t.Errorf("error = %v, want %s", err, tt.code)
			}
		})
		p = newPlugin(t, buildPlugin(t, "all"), pluginOpts{})
	}
}

func TestWatPluginUsesTheABI(t *testing.T) {
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm (Debian package wabt) is not installed; install it to run the .wat ABI test")
	}
	out := filepath.Join(t.TempDir(), "plugin.wasm")
	if b, err := exec.Command(wat2wasm, filepath.Join(repoRoot, "testdata", "plugins", "wat", "plugin.wat"), "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, b)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Grant{Functions: []string{"drive.read"}, Drive: DriveGrant{Read: []string{"/docs"}}})
	docs, err := f.drive.MkdirAll(context.Background(), "/docs")
	if err != nil {
		t.Fatal(err)
	}
	p := newPlugin(t, wasm, pluginOpts{})
	for _, tt := range []struct {
		path string
		ok   bool
		code string
	}{
		{"/docs", true, ""},
		{"/docs/missing", false, abi.CodeNotFound},
		{"/secret", false, abi.CodePermissionDenied},
	} {
		var env abi.Envelope
		f.call(t, p, "run", map[string]string{"path": tt.path}, &env)
		if env.OK != tt.ok || tt.ok == false && env.Error.Code != tt.code {
			t.Errorf("%s: envelope %+v", tt.path, env)
			continue
		}
		if tt.ok {
			var file drive.File
			if err := json.Unmarshal(env.Result, &file); err != nil || file.FileID != docs.FileID {
				t.Errorf("%s: result %s (%v), want file %s", tt.path, env.Result, err, docs.FileID)
			}
		}
	}
}

func TestCallWithoutEnvIsAnError(t *testing.T) {
	_, in := allPlugin(t)
	p := in["_plugin"].(*extism.Plugin)
	_, _, err := p.Call("misc_ops", nil)
	if err == nil || !strings.Contains(err.Error(), "without an environment") {
		t.Errorf("call without Env: %v", err)
	}
}
