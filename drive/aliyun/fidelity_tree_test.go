package aliyun

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// realTree is a file tree served the way the real Open API treats names
// (drive/openapi/REFERENCE.md):
//   - move uses new_name only when the target holds the name, and
//     check_name_mode defaults to ignore (tickstep-api openapi/file_api.go
//     FileMoveParam; PDS MoveFile doc); refuse answers exist:true, unchanged;
//   - copy has no new_name and auto_rename defaults to false, which allows
//     duplicate names (iOS CopyFile.swift, tickstep-api FileCopyParam);
//     auto_rename appends a time (PDS MoveFile doc: xxx_20060102_150405);
//   - copying a folder answers async_task_id, Running until polled
//     `running` times (iOS CopyFile.swift; async states from
//     tickstep-api openapi/aynsc_task_api.go).
//
// A rename onto a taken name with refuse answers 409 AlreadyExist.File (no
// public source gives the real answer; the client accepts an error or a
// refusal that leaves the name unchanged).
type realTree struct {
	mu      sync.Mutex
	files   map[string]*drive.File
	next    int
	running int               // polls a task stays Running
	tasks   map[string]int    // task id -> polls so far
	fail    map[string]bool   // tasks that end Failed
	pending map[string]func() // work a task applies when it succeeds
}

func newRealTree(f *fakeAPI) *realTree {
	rt := &realTree{files: map[string]*drive.File{"root": {FileID: "root", Type: "folder"}},
		tasks: map[string]int{}, fail: map[string]bool{}, pending: map[string]func(){}}
	f.handle(openapi.PathGet, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.FileRequest
		_ = jsonDecode(r, &req)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		if g := rt.files[req.FileID]; g != nil {
			writeJSON(w, 200, g)
			return
		}
		writeJSON(w, 404, map[string]string{"code": "NotFound.FileId", "message": "not found"})
	})
	f.handle(openapi.PathList, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.ListRequest
		_ = jsonDecode(r, &req)
		writeJSON(w, 200, openapi.ListResponse{Items: rt.children(req.ParentFileID)})
	})
	f.handle(openapi.PathMove, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.MoveRequest
		_ = jsonDecode(r, &req)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		g := rt.files[req.FileID]
		if g == nil || rt.files[req.ToParentFileID] == nil {
			writeJSON(w, 404, map[string]string{"code": "NotFound.FileId"})
			return
		}
		name := g.Name
		if rt.taken(req.ToParentFileID, name, g.FileID) {
			switch {
			case req.NewName != "":
				name = req.NewName
			case req.CheckNameMode == drive.NameRefuse:
				writeJSON(w, 200, openapi.MoveResponse{FileID: g.FileID, Exist: true})
				return
			case req.CheckNameMode == drive.NameAutoRename:
				name += "_20240102_150405"
			}
		}
		g.ParentFileID, g.Name = req.ToParentFileID, name
		writeJSON(w, 200, openapi.MoveResponse{FileID: g.FileID})
	})
	f.handle(openapi.PathUpdate, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.UpdateRequest
		_ = jsonDecode(r, &req)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		g := rt.files[req.FileID]
		if g == nil {
			writeJSON(w, 404, map[string]string{"code": "NotFound.FileId"})
			return
		}
		if req.Name != "" && rt.taken(g.ParentFileID, req.Name, g.FileID) && req.CheckNameMode == drive.NameRefuse {
			writeJSON(w, 409, map[string]string{"code": drive.CodeAlreadyExist, "message": "taken"})
			return
		}
		if req.Name != "" {
			g.Name = req.Name
		}
		writeJSON(w, 200, g)
	})
	f.handle(openapi.PathCopy, func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = jsonDecode(r, &req)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		g := rt.files[fmt.Sprint(req["file_id"])]
		to := fmt.Sprint(req["to_parent_file_id"])
		if g == nil || rt.files[to] == nil {
			writeJSON(w, 404, map[string]string{"code": "NotFound.FileId"})
			return
		}
		name := g.Name
		if req["auto_rename"] == true && rt.taken(to, name, "") {
			name += "_20240102_150405"
		}
		cp := rt.add(to, name, g.Type)
		res := openapi.CopyResponse{FileID: cp.FileID}
		if g.IsFolder() {
			res.AsyncTaskID = "task-" + cp.FileID
			rt.tasks[res.AsyncTaskID] = 0
		}
		writeJSON(w, 200, res)
	})
	f.handle(openapi.PathDelete, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.FileRequest
		_ = jsonDecode(r, &req)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		if rt.files[req.FileID] == nil {
			writeJSON(w, 404, map[string]string{"code": "NotFound.FileId"})
			return
		}
		delete(rt.files, req.FileID)
		writeJSON(w, 200, openapi.AsyncTaskResponse{FileID: req.FileID})
	})
	f.handle(openapi.PathTrash, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.FileRequest
		_ = jsonDecode(r, &req)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		id := "task-trash-" + req.FileID
		rt.tasks[id] = 0
		rt.pending[id] = func() { delete(rt.files, req.FileID) }
		writeJSON(w, 202, openapi.AsyncTaskResponse{FileID: req.FileID, AsyncTaskID: id})
	})
	f.handle(openapi.PathAsyncTask, func(w http.ResponseWriter, r *http.Request) {
		var req openapi.AsyncTaskRequest
		_ = jsonDecode(r, &req)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		n, ok := rt.tasks[req.AsyncTaskID]
		if !ok {
			writeJSON(w, 404, map[string]string{"code": "NotFound.AsyncTask"})
			return
		}
		rt.tasks[req.AsyncTaskID] = n + 1
		state := "Running"
		switch {
		case rt.running >= 0 && n >= rt.running && rt.fail[req.AsyncTaskID]:
			state = "Failed"
		case rt.running >= 0 && n >= rt.running:
			state = "Succeed"
			if do := rt.pending[req.AsyncTaskID]; do != nil {
				do()
				delete(rt.pending, req.AsyncTaskID)
			}
		}
		writeJSON(w, 200, openapi.AsyncTaskStatus{State: state, AsyncTaskID: req.AsyncTaskID})
	})
	return rt
}

func (rt *realTree) add(parent, name, typ string) *drive.File {
	rt.next++
	g := &drive.File{DriveID: "d1", FileID: fmt.Sprintf("f%d", rt.next), ParentFileID: parent, Name: name, Type: typ}
	rt.files[g.FileID] = g
	return g
}

func (rt *realTree) mk(parent, name, typ string) *drive.File {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.add(parent, name, typ)
}

// taken reports a file other than except named name in parent.
func (rt *realTree) taken(parent, name, except string) bool {
	for _, g := range rt.files {
		if g.ParentFileID == parent && g.Name == name && g.FileID != except {
			return true
		}
	}
	return false
}

func (rt *realTree) children(parent string) []*drive.File {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []*drive.File
	for _, g := range rt.files {
		if g.ParentFileID == parent && g.FileID != "root" {
			c := *g
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || out[i].Name == out[j].Name && out[i].FileID < out[j].FileID
	})
	return out
}

func (rt *realTree) names(parent string) []string {
	var n []string
	for _, g := range rt.children(parent) {
		n = append(n, g.Name)
	}
	return n
}

func TestMoveWithNewNameOnRealSemantics(t *testing.T) {
	f := newFakeAPI(t)
	rt := newRealTree(f)
	dst := rt.mk("root", "dst", "folder")
	a := rt.mk("root", "a.txt", "file")
	rt.mk(dst.FileID, "a.txt", "file") // the old name is taken at the target
	b := rt.mk("root", "b.txt", "file")
	rt.mk(dst.FileID, "taken.txt", "file")
	c, _ := f.client(t, nil)
	ctx := context.Background()

	// The target holds neither name: the real move ignores new_name.
	if _, err := c.Move(ctx, b.FileID, dst.FileID, drive.MoveOptions{NewName: "b2.txt"}); err != nil {
		t.Fatal(err)
	}
	// The old name is taken at the target: rename first, then move.
	if _, err := c.Move(ctx, a.FileID, dst.FileID, drive.MoveOptions{NewName: "a2.txt"}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rt.names(dst.FileID)); got != "[a.txt a2.txt b2.txt taken.txt]" {
		t.Fatalf("dst = %s", got)
	}
	// The new name is taken: refused, and the file is back where it was.
	x := rt.mk("root", "x.txt", "file")
	res, err := c.Move(ctx, x.FileID, dst.FileID, drive.MoveOptions{NewName: "taken.txt"})
	if err != nil || !res.Exist {
		t.Fatalf("move onto a taken new name = %+v, %v; want Exist", res, err)
	}
	if got := fmt.Sprint(rt.names("root")); got != "[dst x.txt]" {
		t.Fatalf("root after a refused move = %s", got)
	}
}

func TestCopyNeverDuplicatesOnRealSemantics(t *testing.T) {
	f := newFakeAPI(t)
	rt := newRealTree(f)
	dst := rt.mk("root", "dst", "folder")
	a := rt.mk("root", "a.txt", "file")
	rt.mk(dst.FileID, "a.txt", "file")
	c, _ := f.client(t, nil)
	ctx := context.Background()

	if _, err := c.Copy(ctx, a.FileID, dst.FileID, drive.CopyOptions{}); !errors.Is(err, drive.ErrAlreadyExists) {
		t.Fatalf("copy onto a taken name: err = %v, want AlreadyExists", err)
	}
	if got := fmt.Sprint(rt.names(dst.FileID)); got != "[a.txt]" {
		t.Fatalf("dst after a refused copy = %s (a duplicate was made)", got)
	}
	if _, err := c.Copy(ctx, a.FileID, dst.FileID, drive.CopyOptions{NewName: "c.txt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Copy(ctx, a.FileID, dst.FileID, drive.CopyOptions{NewName: "c.txt"}); !errors.Is(err, drive.ErrAlreadyExists) {
		t.Fatalf("copy onto a taken new name: err = %v, want AlreadyExists", err)
	}
	r, err := c.Copy(ctx, a.FileID, dst.FileID, drive.CopyOptions{AutoRename: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rt.names(dst.FileID)); got != "[a.txt a.txt_20240102_150405 c.txt]" {
		t.Fatalf("dst = %s", got)
	}
	if g, _ := c.Get(ctx, r.FileID); g == nil || g.Name != "a.txt_20240102_150405" {
		t.Fatalf("auto-renamed copy = %+v", g)
	}
}

func TestAsyncTasksPolled(t *testing.T) {
	f := newFakeAPI(t)
	rt := newRealTree(f)
	rt.running = 3
	src := rt.mk("root", "src", "folder")
	dst := rt.mk("root", "dst", "folder")
	c, waits := f.client(t, nil)
	ctx := context.Background()

	r, err := c.Copy(ctx, src.FileID, dst.FileID, drive.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.hitCount(openapi.PathAsyncTask); n != 4 {
		t.Fatalf("async_task/get polled %d times, want 4 (3 Running, then Succeed)", n)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}
	if !equalDurations(*waits, want) {
		t.Fatalf("poll waits = %v, want %v", *waits, want)
	}
	// Trash answers a task too; the file is gone only when it succeeded.
	if err := c.Trash(ctx, r.FileID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, r.FileID); !errors.Is(err, drive.ErrNotFound) {
		t.Fatalf("Trash returned before its task finished: Get = %v", err)
	}

	// A task that fails is an error; one that never ends hits the deadline.
	rt.mu.Lock()
	rt.fail["task-trash-"+src.FileID] = true
	rt.mu.Unlock()
	if err := c.Trash(ctx, src.FileID); err == nil {
		t.Fatal("a Failed task reported success")
	}
	rt.mu.Lock()
	rt.running = -1
	rt.mu.Unlock()
	c2, _ := f.client(t, func(o *Options) { o.AsyncTaskTimeout = 10 * time.Second })
	err = c2.Trash(ctx, dst.FileID)
	var de *drive.Error
	if !errors.As(err, &de) || de.Code != "AsyncTaskTimeout" {
		t.Fatalf("a task that never ends: err = %v, want AsyncTaskTimeout", err)
	}
}

// A rename without a mode must not make a duplicate: the service's default
// for update is ignore (tickstep-api openapi/file_api.go FileUpdateParam),
// so the client sends refuse itself.
func TestRenameNeverDuplicatesOnRealSemantics(t *testing.T) {
	f := newFakeAPI(t)
	rt := newRealTree(f)
	a := rt.mk("root", "a.txt", "file")
	rt.mk("root", "b.txt", "file")
	c, _ := f.client(t, nil)
	name := "b.txt"
	if _, err := c.Update(context.Background(), a.FileID, drive.UpdateOptions{Name: &name}); !errors.Is(err, drive.ErrAlreadyExists) {
		t.Fatalf("rename onto a taken name: err = %v, want AlreadyExists", err)
	}
	if got := fmt.Sprint(rt.names("root")); got != "[a.txt b.txt]" {
		t.Fatalf("root = %s (a duplicate was made)", got)
	}
}
