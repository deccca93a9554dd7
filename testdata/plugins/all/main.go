// Command all is a test plugin that calls every wasmdrive host function
// through the sdk and reports what it saw, for hostfuncs' end-to-end tests.
package main

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/wasmdrive/wasmdrive/sdk"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Input is what the test passes to every entry.
type Input struct {
	LocalDir string   `json:"local_dir"` // holds hello.txt; batch_copy: the drive folder to copy
	OutDir   string   `json:"out_dir"`
	FileID   string   `json:"file_id"`
	N        int      `json:"n"`
	IDs      []string `json:"ids"`
	Target   string   `json:"target"`
	Millis   int64    `json:"ms"`
}

func main() {}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// step records one call's outcome in the report.
type report map[string]any

func (r report) check(name string, err error) {
	if err != nil {
		r[name] = "error: " + err.Error()
	}
}

//go:wasmexport drive_ops
func driveOps() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in Input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		r := report{}
		info := must(sdk.GetDriveInfo())
		r["drive_id"] = info.DefaultDriveID
		r["space_total"] = must(sdk.Space()).TotalSize
		b := must(sdk.Mkdir("/t/a/b"))
		t := must(sdk.GetByPath("/t"))
		c := must(sdk.CreateFolder(t.FileID, "c", sdk.NameRefuse))
		again := must(sdk.CreateFolder(t.FileID, "c", sdk.NameRefuse))
		r["mkdir_exist"] = again.Exist && again.File.FileID == c.File.FileID
		up := must(sdk.Upload(sdk.UploadRequest{LocalPath: in.LocalDir + "/hello.txt", ParentPath: "/t/a/b"}))
		f := up.File
		r["upload_size"] = f.Size
		r["get_name"] = must(sdk.Get(f.FileID)).Name
		r["by_path_id"] = must(sdk.GetByPath("/t/a/b/hello.txt")).FileID == f.FileID
		r["list_b"] = len(must(sdk.List(sdk.ListOptions{ParentFileID: b.FileID})).Items)
		var names []string
		for g, err := range sdk.ListAll(sdk.ListOptions{Path: "/t", Limit: 1}) {
			if err != nil {
				return nil, err
			}
			names = append(names, g.Name)
		}
		r["list_all_t"] = names
		var walked []string
		for g, err := range sdk.Walk("/t", nil) {
			if err != nil {
				return nil, err
			}
			walked = append(walked, g.Path)
		}
		r["walk"] = walked
		r["search"] = len(must(sdk.Search(sdk.SearchOptions{Query: `name match "hello"`})).Items)
		r["rename"] = must(sdk.Rename(f.FileID, "hello2.txt")).Name
		cp := must(sdk.Copy(f.FileID, c.File.FileID, "", false))
		mv := must(sdk.Move(cp.FileID, t.FileID, "moved.txt"))
		r["moved_path"] = must(sdk.Get(mv.FileID)).ParentFileID == t.FileID
		dl := must(sdk.Download(sdk.DownloadRequest{FileID: f.FileID, LocalPath: in.OutDir + "/dl.txt"}))
		r["download_sha1"] = dl.SHA1
		r["download_bytes"] = dl.Bytes
		_, err := sdk.Download(sdk.DownloadRequest{FileID: f.FileID, LocalPath: in.OutDir + "/dl.txt"})
		r["download_again_exists"] = errors.Is(err, sdk.ErrAlreadyExists)
		r["url_nonempty"] = must(sdk.GetDownloadURL(f.FileID, time.Minute)).URL != ""
		sh := must(sdk.CreateShare(sdk.ShareRequest{FileIDs: []string{f.FileID}, Description: "t"}))
		r["shares"] = len(must(sdk.ListShares(10, "")).Items)
		r.check("cancel_share", sdk.CancelShare(sh.ShareID))
		r.check("trash", sdk.Trash(mv.FileID))
		_, err = sdk.Get(mv.FileID)
		r["get_trashed"] = sdk.CodeOf(err)
		r["trash_list"] = len(must(sdk.List(sdk.ListOptions{Trash: true})).Items)
		r.check("restore", sdk.Restore(mv.FileID))
		r.check("delete", sdk.Delete(mv.FileID))
		_, err = sdk.Get(mv.FileID)
		r["get_deleted_not_found"] = errors.Is(err, sdk.ErrNotFound)
		var items []sdk.BatchItem
		for i := range 3 {
			it := sdk.CopyItem(f.FileID, c.File.FileID)
			it.NewName = fmt.Sprintf("copy%d.txt", i)
			items = append(items, it)
		}
		res := must(sdk.Batch(items, sdk.BatchOptions{}))
		r["batch_failed"] = len(sdk.Failed(res))
		var trash []sdk.BatchItem
		for _, x := range res {
			trash = append(trash, sdk.TrashItem(x.FileID))
		}
		trash = append(trash, sdk.TrashItem("no-such-file"))
		res = must(sdk.Batch(trash, sdk.BatchOptions{ChunkSize: 2}))
		r["batch_trash_failed"] = len(sdk.Failed(res))
		r["batch_trash_last_code"] = res[len(res)-1].Code
		var raw map[string]any
		err = sdk.Request("/adrive/v1.0/user/getSpaceInfo", map[string]any{}, &raw)
		r["request_code"] = sdk.CodeOf(err)
		_, err = sdk.Get("no-such-file")
		r["not_found"] = errors.Is(err, sdk.ErrNotFound)
		return r, nil
	})
}

//go:wasmexport local_ops
func localOps() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in Input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		r := report{}
		page := must(sdk.LocalList(in.LocalDir, false, ""))
		r["list_n"] = len(page.Entries)
		var paths []string
		for e, err := range sdk.LocalWalk(in.LocalDir) {
			if err != nil {
				return nil, err
			}
			paths = append(paths, e.Path)
		}
		r["walk"] = paths
		st := must(sdk.LocalStat(in.LocalDir + "/hello.txt"))
		r["stat_size"] = st.Size
		sum, n, err := sdk.LocalSHA1(in.LocalDir + "/hello.txt")
		if err != nil {
			return nil, err
		}
		r["sha1"], r["sha1_size"] = sum, n
		_, err = sdk.LocalStat(in.LocalDir + "/missing")
		r["stat_missing"] = sdk.CodeOf(err)
		return r, nil
	})
}

//go:wasmexport kv_ops
func kvOps() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		r := report{}
		_, err := sdk.KVGet("k1")
		r["missing"] = errors.Is(err, sdk.ErrNotFound)
		rev1 := must(sdk.KVPutIf("k1", []byte("v1"), 0))
		_, err = sdk.KVPutIf("k1", []byte("v1b"), 0)
		r["cas_create_conflict"] = errors.Is(err, sdk.ErrConflict)
		rev2 := must(sdk.KVPutIf("k1", []byte("v2"), rev1))
		_, err = sdk.KVPutIf("k1", []byte("v3"), rev1)
		r["cas_stale_conflict"] = errors.Is(err, sdk.ErrConflict)
		e := must(sdk.KVGet("k1"))
		r["value"], r["rev_ok"] = string(e.Value), e.Revision == rev2
		must(sdk.KVPutJSON("j", map[string]int{"a": 1}, nil))
		var m map[string]int
		must(sdk.KVGetJSON("j", &m))
		r["json_a"] = m["a"]
		r["keys"] = must(sdk.KVList(""))
		r.check("delete", sdk.KVDelete("k1"))
		r["keys_after"] = must(sdk.KVList("k"))
		return r, nil
	})
}

//go:wasmexport misc_ops
func miscOps() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		r := report{}
		sdk.LogInfo("hello from plugin", "n", 42, "err", errors.New("boom"))
		sdk.LogDebug("debug line")
		sdk.Progress(3, 10, "files", "working")
		r.check("emit", sdk.Emit("test.done", map[string]int{"n": 1}, map[string]string{"h": "v"}))
		err := sdk.Emit("other.subject", nil, nil)
		r["emit_denied"] = errors.Is(err, sdk.ErrPermission)
		var cfg struct {
			Greeting string `json:"greeting"`
		}
		r.check("config", sdk.ReadConfig(&cfg))
		r["greeting"] = cfg.Greeting
		r["now_year"] = sdk.Now().Year()
		r.check("sleep", sdk.Sleep(time.Millisecond))
		ri := must(sdk.GetRunInfo())
		r["run_id"], r["plugin"] = ri.RunID, ri.Plugin
		return r, nil
	})
}

//go:wasmexport get_loop
func getLoop() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in Input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		for range in.N {
			if _, err := sdk.Get(in.FileID); err != nil {
				return nil, err
			}
		}
		return in.N, nil
	})
}

//go:wasmexport batch_copy
func batchCopy() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in Input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		var items []sdk.BatchItem
		opts := sdk.ListOptions{Path: in.LocalDir, Limit: 1000, Fields: []string{"file_id"}}
		for f, err := range sdk.ListAll(opts) {
			if err != nil {
				return nil, err
			}
			items = append(items, sdk.CopyItem(f.FileID, in.Target))
		}
		res, err := sdk.Batch(items, sdk.BatchOptions{})
		if err != nil {
			return nil, err
		}
		return len(sdk.Failed(res)), nil
	})
}

//go:wasmexport sleep
func sleepEntry() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in Input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		return nil, sdk.Sleep(time.Duration(in.Millis) * time.Millisecond)
	})
}

//go:wasmexport now_loop
func nowLoop() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in Input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		for range in.N {
			sdk.Now()
		}
		return in.N, nil
	})
}

// kv_big round-trips a value larger than the sdk's answer buffer, so the
// fast path's take step runs.
//
//go:wasmexport kv_big
func kvBig() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		v := make([]byte, 100<<10)
		for i := range v {
			v[i] = byte(i)
		}
		if _, err := sdk.KVPut("big", v); err != nil {
			return nil, err
		}
		e, err := sdk.KVGet("big")
		if err != nil {
			return nil, err
		}
		return string(e.Value) == string(v), nil
	})
}

// rawCall is wd_call declared directly (the sdk's own declaration is
// unexported): raw_get_loop measures the ABI floor without the sdk.
//
//go:wasmimport extism:host/user wd_call
func rawCall(fn, req, out uint64) uint64

// raw_get_loop gets in.FileID in.N times through wd_call with a binary
// answer. Target "decode" also decodes each answer; "decodeonly" calls
// once and decodes that answer in.N times.
//
//go:wasmexport raw_get_loop
func rawGetLoop() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in Input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		req := []byte(`{"file_id":"` + in.FileID + `"}`)
		out := make([]byte, 4096)
		pack := func(b []byte) uint64 {
			return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
		}
		get := uint64(abi.FunctionIndex(abi.FnDriveGet)) | abi.CallBinary
		n := rawCall(get, pack(req), pack(out))
		var f sdk.File
		for range in.N {
			if in.Target != "decodeonly" {
				n = rawCall(get, pack(req), pack(out))
			}
			if in.Target != "" {
				if err := abi.DecodeFile(out[:n], &f); err != nil {
					return nil, err
				}
			}
		}
		return f.Name, nil
	})
}
