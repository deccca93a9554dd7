package bench

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner/batch"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// benchBatchCopy copies one file n times (distinct names) through the
// distributed batch executor against the local drive served over HTTP (the
// Open API client, one request per 100-item chunk), with one executor node and then three (three NATS
// connections and worker sets in this process, sharing its 2 cores).
func benchBatchCopy(ctx context.Context, dir string, n int) ([]Row, error) {
	h, err := newHTTPDrive(ctx, filepath.Join(dir, "drive"))
	if err != nil {
		return nil, err
	}
	defer h.Close()
	one, err := h.d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "one.txt", Size: 3, Content: strings.NewReader("one")})
	if err != nil {
		return nil, err
	}
	base, err := natsx.Open(ctx, natsx.Options{DataDir: filepath.Join(dir, "nats"), Name: "bench"})
	if err != nil {
		return nil, err
	}
	defer base.Close()
	bc, err := newBatchClient(ctx, h) // chunks go to the drive's batch endpoint
	if err != nil {
		return nil, err
	}
	defer bc.Close()
	applier := batch.DriveApplier{Drives: func(context.Context, string) (drive.Drive, error) { return bc, nil }}
	var rows []Row
	var single float64
	for _, nodes := range []int{1, 3} {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var execs []*batch.Executor
		for i := 0; i < nodes; i++ {
			c, err := base.NewClient(fmt.Sprintf("node%d", i))
			if err != nil {
				cancel()
				return rows, err
			}
			defer c.Close()
			q, err := queue.Setup(ctx, c, queue.Options{Node: fmt.Sprintf("node%d", i)})
			if err != nil {
				cancel()
				return rows, err
			}
			e, err := batch.New(ctx, q, applier, batch.Options{Slots: 4, ItemConcurrency: 4})
			if err != nil {
				cancel()
				return rows, err
			}
			execs = append(execs, e)
			wg.Add(1)
			go func() { defer wg.Done(); _ = e.Run(ctx) }()
		}
		dst, err := h.d.CreateFolder(ctx, drive.RootID, fmt.Sprintf("copies-%d", nodes), drive.NameRefuse)
		if err != nil {
			cancel()
			return rows, err
		}
		reqs := make([]drive.BatchRequest, n)
		for j := range reqs {
			reqs[j] = drive.BatchRequest{ID: fmt.Sprint(j), Op: drive.OpCopy, FileID: one.File.FileID, ToParentID: dst.File.FileID, NewName: fmt.Sprintf("f%06d.txt", j)}
		}
		var res []drive.BatchResult
		took, err := Timed(func() error {
			res, err = execs[0].Submit(ctx, fmt.Sprintf("bench-%d-%d", nodes, time.Now().UnixNano()), "bench", "", reqs, nil)
			return err
		})
		cancel()
		wg.Wait()
		if err != nil {
			return rows, fmt.Errorf("nats bench: batch copy on %d node(s): %w", nodes, err)
		}
		ok := 0
		for _, r := range res {
			if r.Status == http.StatusCreated || r.Status == http.StatusOK {
				ok++
			}
		}
		if ok != n {
			return rows, fmt.Errorf("nats bench: batch copy on %d node(s): %d of %d items ok", nodes, ok, n)
		}
		rate := float64(n) / took.Seconds()
		row := Row{Name: fmt.Sprintf("%d-item batch copy via the distributed executor, %d node(s), local drive over HTTP", n, nodes),
			Value: rate, Unit: "items/s", Note: fmt.Sprintf("%.1f s total", took.Seconds())}
		if nodes == 1 {
			single = rate
		} else {
			row.Peer, row.Ratio = "1 node", rate/single
			row.Note += "; nodes share this machine's 2 cores with the drive server"
		}
		rows = append(rows, row)
	}
	return rows, nil
}
