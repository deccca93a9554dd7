package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/internal/progress"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
)

func init() {
	register(&command{name: "drive put", usage: "[--account NAME] [-j N] [--overwrite | --rename] LOCAL... REMOTE_DIR",
		summary: "upload files and folders (recursively) into a drive folder", run: runDrivePut})
}

// putJob is one file to upload.
type putJob struct {
	local    string
	size     int64
	mtime    time.Time
	remote   string // remote folder path
	name     string
	parentID string
}

// putResult is the outcome of one file, as printed with --json.
type putResult struct {
	Local     string `json:"local"`
	Path      string `json:"path"`
	FileID    string `json:"file_id,omitempty"`
	Size      int64  `json:"size"`
	Rapid     bool   `json:"rapid_upload"`
	Resumed   bool   `json:"resumed,omitempty"` // continued an interrupted upload
	BytesSent int64  `json:"bytes_sent"`
	Error     string `json:"error,omitempty"`
	err       error
}

func runDrivePut(ctx context.Context, env *cliEnv, args []string) error {
	fset, acct := newDriveFlags(env, "drive put")
	jobsN := fset.Int("j", 4, "files uploaded in parallel")
	overwrite := fset.Bool("overwrite", false, "replace files that exist (default: fail on them)")
	rename := fset.Bool("rename", false, "keep both: upload under a free name like a(1).txt")
	c, err := openDrive(env, fset, acct, args, 2, -1)
	if err != nil {
		return err
	}
	defer c.close()
	if *overwrite && *rename || *jobsN < 1 {
		return errUsage
	}
	mode := drive.NameRefuse
	switch {
	case *overwrite:
		mode = drive.NameOverwrite
	case *rename:
		mode = drive.NameAutoRename
	}
	dst := remotePath(c.args[len(c.args)-1])
	jobs, dirs, total, err := planPut(c.args[:len(c.args)-1], dst)
	if err != nil {
		return withExit(err)
	}
	ids, err := makeRemoteDirs(ctx, c.d, dst, dirs)
	if err != nil {
		return withExit(err)
	}
	for i := range jobs {
		jobs[i].parentID = ids[jobs[i].remote]
	}
	bar := progress.New(env.Stderr, "put", total)
	start := time.Now()
	resumer := &putResumer{dir: resumeDir(c.dataDir), account: *acct}
	resumer.prune()
	results := runPutJobs(ctx, c.d, jobs, *jobsN, mode, bar, resumer)
	bar.Finish()
	return reportPut(env, results, time.Since(start))
}

// planPut walks the local arguments: files to upload, remote folders to
// create (parents first) and the total byte count.
func planPut(locals []string, dst string) ([]putJob, []string, int64, error) {
	var (
		jobs  []putJob
		dirs  []string
		total int64
	)
	for _, l := range locals {
		st, err := os.Stat(l)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("put: %w", err)
		}
		if !st.IsDir() {
			jobs = append(jobs, putJob{local: l, size: st.Size(), mtime: st.ModTime(), remote: dst, name: filepath.Base(l)})
			total += st.Size()
			continue
		}
		base := path.Join(dst, filepath.Base(filepath.Clean(l)))
		err = filepath.WalkDir(l, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(l, p)
			if err != nil {
				return err
			}
			remote := path.Join(base, filepath.ToSlash(rel))
			switch {
			case de.IsDir():
				dirs = append(dirs, remote)
			case de.Type().IsRegular():
				info, err := de.Info()
				if err != nil {
					return err
				}
				jobs = append(jobs, putJob{local: p, size: info.Size(), mtime: info.ModTime(), remote: path.Dir(remote), name: de.Name()})
				total += info.Size()
			}
			return nil
		})
		if err != nil {
			return nil, nil, 0, fmt.Errorf("put: walk %s: %w", l, err)
		}
	}
	return jobs, dirs, total, nil
}

// makeRemoteDirs creates dst and dirs (each a path under dst, parents
// first) and returns their ids by path.
func makeRemoteDirs(ctx context.Context, d drive.Drive, dst string, dirs []string) (map[string]string, error) {
	top, err := d.MkdirAll(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("put: create %s: %w", dst, err)
	}
	ids := map[string]string{dst: top.FileID}
	for _, dir := range dirs {
		if _, ok := ids[dir]; ok {
			continue
		}
		parent, ok := ids[path.Dir(dir)]
		if !ok {
			return nil, fmt.Errorf("put: internal: parent of %s not created", dir)
		}
		r, err := d.CreateFolder(ctx, parent, path.Base(dir), drive.NameRefuse)
		if err != nil {
			return nil, fmt.Errorf("put: create %s: %w", dir, err)
		}
		if r.Exist && r.File.Type != "" && !r.File.IsFolder() {
			return nil, &drive.Error{Status: 409, Code: drive.CodeAlreadyExist, Message: dir + " exists and is a file"}
		}
		ids[dir] = r.File.FileID
	}
	return ids, nil
}

// runPutJobs uploads jobs, n at a time, and returns one result per job.
func runPutJobs(ctx context.Context, d drive.Drive, jobs []putJob, n int, mode drive.CheckNameMode, bar *progress.Bar, r *putResumer) []putResult {
	results := make([]putResult, len(jobs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(n, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = putOne(ctx, d, jobs[i], mode, bar, r)
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			results[i] = putResult{Local: jobs[i].local, Path: path.Join(jobs[i].remote, jobs[i].name), Error: ctx.Err().Error(), err: ctx.Err()}
			continue
		}
		work <- i
	}
	close(work)
	wg.Wait()
	return results
}

// Test hooks: putPartSize overrides the backend's part size; putInterrupt,
// when it returns true for a file and the bytes sent so far, cancels that
// file's upload as a kill would.
var (
	putPartSize  int64
	putInterrupt func(local string, sent int64) bool
)

func putOne(ctx context.Context, d drive.Drive, j putJob, mode drive.CheckNameMode, bar *progress.Bar, r *putResumer) putResult {
	res := putResult{Local: j.local, Path: path.Join(j.remote, j.name), Size: j.size}
	f, err := os.Open(j.local)
	if err != nil {
		res.Error, res.err = err.Error(), err
		return res
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var last int64
	up, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: j.parentID, Name: j.name, Size: j.size, Content: f,
		CheckNameMode: mode, LocalModifiedAt: j.mtime, PartSize: putPartSize,
		Resume: r.load(j), OnSession: func(s drive.UploadSession) { r.save(j, s) },
		Progress: func(sent int64) {
			bar.Add(min(sent, j.size) - last)
			last = min(sent, j.size)
			if putInterrupt != nil && putInterrupt(j.local, sent) {
				cancel()
			}
		}})
	if err != nil {
		bar.Add(-last)
		res.Error, res.err = err.Error(), err
		return res
	}
	r.done(j)
	bar.Add(j.size - last)
	bar.FileDone()
	res.FileID, res.Rapid, res.BytesSent, res.Resumed = up.File.FileID, up.RapidUpload, up.BytesSent, up.Resumed
	return res
}

// reportPut prints the results and returns an error if any file failed.
func reportPut(env *cliEnv, results []putResult, took time.Duration) error {
	var (
		failed       []putResult
		bytes, rapid int64
	)
	for _, r := range results {
		switch {
		case r.Error != "":
			failed = append(failed, r)
		case r.Rapid:
			rapid++
			bytes += r.Size
		default:
			bytes += r.Size
		}
	}
	if env.JSON {
		if err := writeJSON(env.Stdout, results); err != nil {
			return err
		}
	} else {
		if env.Verbose {
			for _, r := range results {
				if r.Error == "" {
					fmt.Fprintf(env.Stdout, "%s -> %s%s%s\n", termesc.String(r.Local), termesc.String(r.Path), map[bool]string{true: " (rapid)"}[r.Rapid], map[bool]string{true: " (resumed)"}[r.Resumed])
				}
			}
		}
		rate := float64(bytes) / max(took.Seconds(), 1e-9)
		fmt.Fprintf(env.Stdout, "uploaded %d of %d files, %s in %s (%s/s), %d rapid\n", len(results)-len(failed), len(results),
			progress.Bytes(bytes), took.Round(time.Millisecond), progress.Bytes(int64(rate)), rapid)
		for _, r := range failed {
			fmt.Fprintf(env.Stderr, "failed: %s: %s\n", termesc.String(r.Local), termesc.Text(r.Error))
		}
	}
	if len(failed) > 0 {
		hint := ""
		if errors.Is(failed[0].err, drive.ErrAlreadyExists) {
			hint = "; use --overwrite to replace existing files or --rename to keep both"
		}
		return withExit(fmt.Errorf("%d of %d files failed (first: %s: %w)%s", len(failed), len(results), failed[0].Local, failed[0].err, hint))
	}
	return nil
}
