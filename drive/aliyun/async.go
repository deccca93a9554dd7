package aliyun

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// States of an asynchronous task (REFERENCE.md, async_task/get:
// tickstep/aliyunpan-api openapi/aynsc_task_api.go, iOS GetAsyncTask.swift).
const (
	taskSucceed = "Succeed"
	taskRunning = "Running"
	taskFailed  = "Failed"
)

// Polling of asynchronous tasks: the first wait, the longest, and the
// default deadline (Options.AsyncTaskTimeout).
const (
	taskPollFirst      = 250 * time.Millisecond
	taskPollMax        = 5 * time.Second
	defaultTaskTimeout = 30 * time.Minute
)

// waitTask polls async_task/get until the task id (from a copy, move, trash
// or delete of a folder) is done, with exponential backoff, until the
// client's AsyncTaskTimeout. An empty id means the call finished at once.
// The deadline counts the waits asked for, so it holds however the clock
// behaves; ctx bounds it too.
func (c *Client) waitTask(ctx context.Context, op, id string) error {
	if id == "" {
		return nil
	}
	wait, waited := taskPollFirst, time.Duration(0)
	for {
		var r openapi.AsyncTaskStatus
		if err := c.call(ctx, openapi.PathAsyncTask, openapi.AsyncTaskRequest{AsyncTaskID: id}, &r, idempotent); err != nil {
			return fmt.Errorf("%s: async task %s: %w", op, id, err)
		}
		switch r.State {
		case taskSucceed:
			return nil
		case taskFailed:
			return &drive.Error{Op: op, Status: 500, Code: "AsyncTaskFailed",
				Message: fmt.Sprintf("the service reports async task %s failed; check the files and retry", id)}
		}
		// Running, or a state this client does not know: wait and ask again.
		if waited >= c.taskTimeout {
			return &drive.Error{Op: op, Status: 504, Code: "AsyncTaskTimeout",
				Message: fmt.Sprintf("async task %s still %q after %v; it may yet finish (raise the async task timeout to wait longer)", id, r.State, c.taskTimeout)}
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: async task %s: %w", op, id, err)
		}
		waited += wait
		wait = min(2*wait, taskPollMax)
	}
}
