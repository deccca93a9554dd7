package hostfuncs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// A Wasm instance is single-threaded and blocks in a host call, so a
// plugin cannot overlap uploads itself: wd_drive_upload_many hands the host
// a list and the host runs several at a time, each checked and audited as
// one wd_drive_upload.

func driveUploadMany(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.UploadManyRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if len(req.Items) > abi.MaxUploadManyItems {
		return nil, badArg("%d upload items exceed the limit of %d per call: split them", len(req.Items), abi.MaxUploadManyItems)
	}
	conc := req.Concurrency
	if conc <= 0 {
		conc = abi.DefaultUploadConcurrency
	}
	conc = min(conc, abi.MaxUploadConcurrency, max(len(req.Items), 1))
	prog := newUploadMeter(env, req.Progress)
	parents := &parentCache{}
	out := &uploadManyResult{Results: make([]uploadItemResult, len(req.Items))}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(req.Items) || ctx.Err() != nil {
					return
				}
				r, it := &out.Results[i], prog.item()
				res, err := env.uploadOne(ctx, abi.FnDriveUploadMany, req.Items[i], parents, it.sent())
				if err != nil {
					env.checkDiskFull(err)
					r.Error = ToABIError(err)
					it.finish(0)
					continue
				}
				*r = uploadItem(res)
				if res.File != nil {
					it.finish(res.File.Size)
				} else {
					it.finish(0)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("upload many: %w", err)
	}
	prog.report(true)
	return out, nil
}

// uploadManyResult and uploadItemResult are abi.UploadManyResult and
// abi.UploadItemResult with the drive's own File type (the same JSON).
type uploadManyResult struct {
	Results []uploadItemResult `json:"results"`
}

type uploadItemResult struct {
	File        *drive.File `json:"file,omitempty"`
	RapidUpload bool        `json:"rapid_upload,omitempty"`
	BytesSent   int64       `json:"bytes_sent,omitempty"`
	Resumed     bool        `json:"resumed,omitempty"`
	Error       *abi.Error  `json:"error,omitempty"`
}

// uploadRequest is the drive request of req, whose folder and name the host
// resolved to parent and name, for the local file st; the caller adds the
// content and progress.
func uploadRequest(req abi.UploadRequest, parent, name string, st os.FileInfo) drive.UploadRequest {
	mode := drive.CheckNameMode(req.CheckNameMode)
	if mode == "" {
		mode = drive.NameRefuse
	}
	return drive.UploadRequest{ParentFileID: parent, Name: name, Size: st.Size(), CheckNameMode: mode,
		ContentHash: req.ContentHash, PartSize: req.PartSize, LocalModifiedAt: st.ModTime()}
}

// uploadItem is the item result of a finished upload.
func uploadItem(res *drive.UploadResult) uploadItemResult {
	return uploadItemResult{File: res.File, RapidUpload: res.RapidUpload, BytesSent: res.BytesSent, Resumed: res.Resumed}
}

// uploadOne checks and runs one upload request and writes its audit record
// (op is the calling host function). parents resolves target folders once
// per call; progress (may be nil) receives body bytes sent.
func (e *Env) uploadOne(ctx context.Context, op string, req abi.UploadRequest, parents *parentCache, progress func(int64)) (res *drive.UploadResult, err error) {
	rec := AuditRecord{Op: op, Paths: nonEmpty(req.LocalPath), Target: req.ParentFileID + req.ParentPath}
	defer func() { e.audit(ctx, rec, err) }()
	if err := require("local_path", req.LocalPath); err != nil {
		return nil, err
	}
	if req.PartSize < 0 {
		return nil, badArg("part_size %d is negative", req.PartSize)
	}
	local, err := e.Grant.CheckLocal(LocalRead, req.LocalPath)
	if err != nil {
		return nil, err
	}
	name := req.Name
	if name == "" {
		name = filepath.Base(local)
	}
	parent, dir, err := parents.resolve(ctx, e, req)
	if dir != "" {
		rec.Paths = append(rec.Paths, joinPath(dir, name))
	}
	if err != nil {
		return nil, err
	}
	f, err := os.Open(local)
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, badArg("upload: %s is not a regular file", req.LocalPath)
	}
	dr := uploadRequest(req, parent, name, st)
	dr.Content, dr.Progress = ctxReaderAt{ctx, f}, progress
	res, err = e.upload(ctx, req.ResumeKey, resumeRecord{Local: local, Parent: parent, Name: name}, st, dr)
	if err != nil {
		return nil, err
	}
	if res.File != nil {
		rec.FileIDs = []string{res.File.FileID}
	}
	return res, nil
}

// parentCache resolves each distinct upload target once per call, one at
// a time, so concurrent uploads into a new folder create it once.
type parentCache struct {
	mu   sync.Mutex
	seen map[string]parentAnswer
}

type parentAnswer struct {
	id, dir string
	err     error
}

func (c *parentCache) resolve(ctx context.Context, e *Env, req abi.UploadRequest) (id, dir string, err error) {
	key := "id:" + req.ParentFileID
	if req.ParentPath != "" {
		key = "path:" + req.ParentPath
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.seen[key]; ok {
		return a.id, a.dir, a.err
	}
	id, dir, err = e.uploadParent(ctx, req)
	if c.seen == nil {
		c.seen = map[string]parentAnswer{}
	}
	c.seen[key] = parentAnswer{id, dir, err}
	return id, dir, err
}

// uploadMeter reports a wd_drive_upload_many call's progress to the run's
// sink, continuing the plugin's counts: every progressEvery or
// progressBytes, whichever comes first, and at the end.
type uploadMeter struct {
	env  *Env
	base abi.UploadProgress
	on   bool

	bytes, files atomic.Int64 // this call's bytes (finished items plus parts sent) and files
	mu           sync.Mutex
	last         time.Time
	lastBytes    int64
}

// progressEvery and progressBytes space the reports.
const (
	progressEvery = 250 * time.Millisecond
	progressBytes = 4 << 20
)

func newUploadMeter(env *Env, p *abi.UploadProgress) *uploadMeter {
	m := &uploadMeter{env: env, on: p != nil && env.Sink != nil}
	if p != nil {
		m.base = *p
	}
	return m
}

// item starts the accounting of one upload.
func (m *uploadMeter) item() *itemMeter { return &itemMeter{m: m} }

// itemMeter counts one upload's body bytes as its parts are sent; when it
// finishes, the whole file counts (a rapid upload sends nothing but is done).
type itemMeter struct {
	m    *uploadMeter
	seen int64
}

// sent is the drive's progress callback (nil when progress is off).
func (it *itemMeter) sent() func(int64) {
	if !it.m.on {
		return nil
	}
	return func(n int64) {
		it.m.bytes.Add(n - it.seen)
		it.seen = n
		it.m.report(false)
	}
}

// finish counts the item as done with size bytes (0 for a failure).
func (it *itemMeter) finish(size int64) {
	it.m.files.Add(1)
	if size > it.seen {
		it.m.bytes.Add(size - it.seen)
		it.seen = size
	}
	it.m.report(false)
}

func (m *uploadMeter) report(final bool) {
	if !m.on {
		return
	}
	m.mu.Lock()
	now, bytes := time.Now(), m.bytes.Load()
	if !final && now.Sub(m.last) < progressEvery && bytes-m.lastBytes < progressBytes {
		m.mu.Unlock()
		return
	}
	m.last, m.lastBytes = now, bytes
	m.mu.Unlock()
	done := m.base.BytesDone + bytes
	m.env.Sink.Progress(Progress{Done: done, Total: m.base.BytesTotal, Unit: "bytes",
		Note: fmt.Sprintf("%d/%d files", m.base.FilesDone+m.files.Load(), m.base.FilesTotal)})
}
