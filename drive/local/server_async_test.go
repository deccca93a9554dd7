package local

import (
	"fmt"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// TestServerAsyncFolderTasks: copy, move, trash and delete of a folder
// above ServerOptions.AsyncThreshold answer an async_task_id and finish in
// the background, polled at async_task/get until Succeed (T-api
// openapi/aynsc_task_api.go, iOS GetAsyncTask.swift); a small folder is
// done at once.
func TestServerAsyncFolderTasks(t *testing.T) {
	c := newRaw(t, ServerOptions{AsyncThreshold: 3})
	mk := func(parent, name string) string {
		var r openapi.CreateResponse
		if st := c.call(openapi.PathCreate, map[string]any{"parent_file_id": parent, "name": name, "type": "folder", "check_name_mode": "refuse"}, &r); st != 200 {
			t.Fatalf("create %s: HTTP %d", name, st)
		}
		return r.FileID
	}
	big, small, dst := mk("root", "big"), mk("root", "small"), mk("root", "dst")
	for i := 0; i < 5; i++ {
		mk(big, fmt.Sprintf("d%d", i))
	}
	mk(small, "only")
	wait := func(op, task string) {
		t.Helper()
		if task == "" {
			t.Fatalf("%s of a folder above the threshold answered no async_task_id", op)
		}
		for {
			var st openapi.AsyncTaskStatus
			if code := c.call(openapi.PathAsyncTask, openapi.AsyncTaskRequest{AsyncTaskID: task}, &st); code != 200 {
				t.Fatalf("%s: async_task/get HTTP %d", op, code)
			}
			if st.State == taskSucceed {
				return
			}
			if st.State != taskRunning {
				t.Fatalf("%s: task state %q", op, st.State)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	children := func(id string) int {
		var lr openapi.ListResponse
		c.call(openapi.PathList, map[string]any{"parent_file_id": id}, &lr)
		return len(lr.Items)
	}

	var cp openapi.CopyResponse
	c.call(openapi.PathCopy, map[string]any{"file_id": small, "to_parent_file_id": dst}, &cp)
	if cp.AsyncTaskID != "" || children(cp.FileID) != 1 {
		t.Fatalf("copy of a small folder: %+v; want done at once", cp)
	}
	c.call(openapi.PathCopy, map[string]any{"file_id": big, "to_parent_file_id": dst}, &cp)
	wait("copy", cp.AsyncTaskID)
	if n := children(cp.FileID); n != 5 {
		t.Fatalf("async copy: the copy %s has %d children, want 5", cp.FileID, n)
	}
	var mv openapi.MoveResponse
	c.call(openapi.PathMove, map[string]any{"file_id": big, "to_parent_file_id": small}, &mv)
	wait("move", mv.AsyncTaskID)
	var got drive.File
	c.call(openapi.PathGet, map[string]any{"file_id": big}, &got)
	if got.ParentFileID != small {
		t.Fatalf("async move: parent %s, want %s", got.ParentFileID, small)
	}
	var tr openapi.AsyncTaskResponse
	c.call(openapi.PathTrash, map[string]any{"file_id": cp.FileID}, &tr)
	wait("trash", tr.AsyncTaskID)
	c.call(openapi.PathDelete, map[string]any{"file_id": big}, &tr)
	wait("delete", tr.AsyncTaskID)
	runStrict(t, c, []strictCase{
		{"get after async delete", openapi.PathGet, `{"file_id":"` + big + `"}`, 404, drive.CodeNotFoundFileID},
		{"unknown task", openapi.PathAsyncTask, `{"async_task_id":"nope"}`, 404, "NotFound.AsyncTask"},
		{"async copy of an unknown id", openapi.PathCopy, `{"file_id":"nope","to_parent_file_id":"root"}`, 404, drive.CodeNotFoundFileID},
	})
	// A name clash is answered at once (exist), even for a big folder.
	big2, dst2 := mk("root", "big2"), mk("root", "dst2")
	for i := 0; i < 5; i++ {
		mk(big2, fmt.Sprintf("d%d", i))
	}
	mk(dst2, "big2")
	mv = openapi.MoveResponse{}
	c.call(openapi.PathMove, map[string]any{"file_id": big2, "to_parent_file_id": dst2, "check_name_mode": "refuse"}, &mv)
	c.call(openapi.PathGet, map[string]any{"file_id": big2}, &got)
	if mv.AsyncTaskID != "" || !mv.Exist || got.ParentFileID != drive.RootID {
		t.Fatalf("move of a big folder onto a taken name (refuse): %+v, parent %s; want exist at once, not moved", mv, got.ParentFileID)
	}
	c.ts.Server.WaitTasks()
}
