package local

import (
	"context"
	"net/http"
	"sync"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// States of an asynchronous task (T-api openapi/aynsc_task_api.go, iOS
// GetAsyncTask.swift).
const (
	taskRunning = "Running"
	taskSucceed = "Succeed"
	taskFailed  = "Failed"
)

// defaultAsyncThreshold is the subtree size (files and folders) above
// which a folder copy, move, trash or delete runs as an asynchronous task
// (ServerOptions.AsyncThreshold).
const defaultAsyncThreshold = 1000

// tasks are the asynchronous tasks of a server.
type tasks struct {
	mu    sync.Mutex
	state map[string]string
	wg    sync.WaitGroup
}

// asyncThreshold is the configured threshold; 0 means none (never async).
func (s *Server) asyncThreshold() int {
	switch {
	case s.opts.AsyncThreshold < 0:
		return 0
	case s.opts.AsyncThreshold == 0:
		return defaultAsyncThreshold
	}
	return s.opts.AsyncThreshold
}

// bigFolder reports whether id is a folder whose subtree holds more than
// the async threshold of entries.
func (s *Server) bigFolder(ctx context.Context, id string) (bool, error) {
	n := s.asyncThreshold()
	if n == 0 {
		return false, nil
	}
	f, err := s.d.getFile(ctx, s.d.r, id)
	if err != nil || !f.IsFolder() {
		return false, err
	}
	var count int
	err = s.d.r.QueryRowContext(ctx, `WITH RECURSIVE t(id) AS (SELECT id FROM files WHERE parent_id = ?
		UNION ALL SELECT f.id FROM files f JOIN t ON f.parent_id = t.id) SELECT count(*) FROM (SELECT id FROM t LIMIT ?)`, id, n+1).Scan(&count)
	return count > n, err
}

// startTask runs op in the background and returns its task id. The task
// outlives the request (its context is detached from it).
func (s *Server) startTask(ctx context.Context, op func(ctx context.Context) error) string {
	id := newID()
	s.tasks.mu.Lock()
	if s.tasks.state == nil {
		s.tasks.state = map[string]string{}
	}
	s.tasks.state[id] = taskRunning
	s.tasks.mu.Unlock()
	s.tasks.wg.Add(1)
	go func() {
		defer s.tasks.wg.Done()
		st := taskSucceed
		if err := op(context.WithoutCancel(ctx)); err != nil {
			s.log.Warn("local drive server: async task failed", "task", id, "err", err)
			st = taskFailed
		}
		s.tasks.mu.Lock()
		s.tasks.state[id] = st
		s.tasks.mu.Unlock()
	}()
	return id
}

// WaitTasks waits for the asynchronous tasks started so far (tests, shutdown).
func (s *Server) WaitTasks() { s.tasks.wg.Wait() }

// taskState answers async_task/get.
func (s *Server) taskState(_ context.Context, r *openapi.AsyncTaskRequest) (any, error) {
	s.tasks.mu.Lock()
	st, ok := s.tasks.state[r.AsyncTaskID]
	s.tasks.mu.Unlock()
	if !ok {
		return nil, &drive.Error{Status: http.StatusNotFound, Code: "NotFound.AsyncTask",
			Message: "async task " + r.AsyncTaskID + " is unknown (tasks live as long as the server process)"}
	}
	return openapi.AsyncTaskStatus{State: st, AsyncTaskID: r.AsyncTaskID}, nil
}

// asyncOr runs op now, or as a task when fileID is a big folder; it
// returns the task id ("" when done). check runs first either way, so
// that an unknown id or a bad target is answered at once; it may ask for
// op to run now (a name clash, whose answer is exist or an error).
func (s *Server) asyncOr(ctx context.Context, fileID string, check func(ctx context.Context) (now bool, err error), op func(ctx context.Context) error) (string, error) {
	now := false
	if check != nil {
		var err error
		if now, err = check(ctx); err != nil {
			return "", err
		}
	}
	big, err := s.bigFolder(ctx, fileID)
	if err != nil {
		return "", err
	}
	if !big || now {
		return "", op(ctx)
	}
	return s.startTask(ctx, op), nil
}

// placeable checks that fileID is a live, changeable file and that to is
// a folder; now reports a name clash there (name, or the file's own name
// when ""), unless mode is ignore.
func (s *Server) placeable(ctx context.Context, fileID, to, name string, mode drive.CheckNameMode) (now bool, err error) {
	d := s.d
	f, err := d.mutable(ctx, d.r, fileID)
	if err != nil {
		return false, err
	}
	if _, err := d.folder(ctx, d.r, to); err != nil {
		return false, err
	}
	if mode == drive.NameIgnore {
		return false, nil
	}
	if name == "" {
		name = f.Name
	}
	ex, err := d.sibling(ctx, d.r, to, name, fileID)
	return ex != nil, err
}

// trash, remove and copy answer recyclebin/trash, delete and copy.
func (s *Server) trash(ctx context.Context, r *openapi.FileRequest) (any, error) {
	task, err := s.asyncOr(ctx, r.FileID, nil, func(ctx context.Context) error { return s.d.Trash(ctx, r.FileID) })
	return openapi.AsyncTaskResponse{DriveID: s.d.opts.DriveID, FileID: r.FileID, AsyncTaskID: task}, err
}

func (s *Server) remove(ctx context.Context, r *openapi.FileRequest) (any, error) {
	task, err := s.asyncOr(ctx, r.FileID, nil, func(ctx context.Context) error { return s.d.Delete(ctx, r.FileID) })
	return openapi.AsyncTaskResponse{DriveID: s.d.opts.DriveID, FileID: r.FileID, AsyncTaskID: task}, err
}

func (s *Server) copy(ctx context.Context, r *openapi.CopyRequest) (any, error) {
	d := s.d
	mode := copyMode(r.AutoRename, r.CheckNameMode)
	newRoot := newID()
	check := func(ctx context.Context) (bool, error) {
		return s.placeable(ctx, r.FileID, r.ToParentFileID, r.NewName, mode)
	}
	var id string
	task, err := s.asyncOr(ctx, r.FileID, check, func(ctx context.Context) error {
		return d.withTx(ctx, func(tx *txn) error {
			res, err := d.copyTxAs(ctx, tx, r.FileID, r.ToParentFileID, r.NewName, mode, newRoot)
			if err == nil {
				id = res.FileID
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	if task != "" {
		return openapi.CopyResponse{DriveID: d.opts.DriveID, FileID: newRoot, AsyncTaskID: task}, nil
	}
	return openapi.CopyResponse{DriveID: d.opts.DriveID, FileID: id}, nil
}
