package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// TestOperatorGrantNarrowsDriveAccess runs the bench plugin on a real local
// drive with an operator grant narrower than its manifest asks.
func TestOperatorGrantNarrowsDriveAccess(t *testing.T) {
	if raceEnabled {
		t.Skip("compiles a second plugin, which takes minutes under -race; the pool's concurrency is raced with the echo plugin")
	}
	ctx := context.Background()
	d, err := local.Open(filepath.Join(t.TempDir(), "drive"), local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	put := func(path string) string {
		dir, err := d.MkdirAll(ctx, filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		up, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: filepath.Base(path), Size: 1, Content: bytes.NewReader([]byte("x"))})
		if err != nil {
			t.Fatal(err)
		}
		return up.File.FileID
	}
	inside, outside := put("/allowed/a.txt"), put("/other/b.txt")

	cfg := config.Default()
	cfg.Plugins.Enabled = map[string]config.PluginConfig{"bench": {Grants: map[string]any{
		"functions": []any{"drive.read", "drive.write"},
		"drive":     map[string]any{"read": []any{"/allowed"}, "write": []any{}},
	}}}
	h := newTestHost(t, Options{Config: cfg, NoPrewarm: true, Drives: func(context.Context, string) (drive.Drive, error) { return d, nil }}, benchDir)
	pi, err := h.Plugin("bench")
	if err != nil {
		t.Fatal(err)
	}
	if !pi.Enabled || string(pi.Grants) != `{"functions":["drive.read","drive.write"],"drive":{"read":["/allowed"]}}` {
		t.Fatalf("effective grant = %s (enabled %v)", pi.Grants, pi.Enabled)
	}
	run := func(entry string, input any) (*CallResult, error) {
		in, _ := json.Marshal(input)
		return h.Call(ctx, CallRequest{Plugin: "bench", Entry: entry, Input: in}, &memSink{})
	}
	if res, err := run("gets", map[string]any{"file_id": inside, "n": 3}); err != nil || string(res.Output) != `{"gets":3}` {
		t.Fatalf("gets inside the grant = %v, %v", res, err)
	}
	_, err = run("gets", map[string]any{"file_id": outside, "n": 1})
	// The refusal names the id it was given, never the path it resolves to
	// (issue 11 finding 5: errors must not reveal ungranted paths).
	if !errors.Is(err, ErrPluginFailed) || !strings.Contains(err.Error(), "permission_denied") || !strings.Contains(err.Error(), "drive.read:"+outside) || strings.Contains(err.Error(), "/other") {
		t.Fatalf("gets outside the grant: %v", err)
	}
	// Writes were asked for but not granted: a copy's items are refused.
	res, err := run("copy_all", map[string]string{"from": "/allowed", "to": "/allowed"})
	if err != nil || string(res.Output) != `{"copied":0,"failed":1}` {
		t.Fatalf("copy without a write grant = %v, %v", res, err)
	}
}
