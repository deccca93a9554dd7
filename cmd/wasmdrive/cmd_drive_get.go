package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/internal/progress"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
)

func init() {
	register(&command{name: "drive get", usage: "[--account NAME] [-j N] REMOTE LOCAL|-",
		summary: "download a file or folder (recursively; - writes a file to stdout); content is checked against its SHA-1", run: runDriveGet})
}

// getJob is one file to download.
type getJob struct {
	f     *drive.File
	local string
}

func runDriveGet(ctx context.Context, env *cliEnv, args []string) error {
	fset, acct := newDriveFlags(env, "drive get")
	jobsN := fset.Int("j", 4, "files downloaded in parallel")
	c, err := openDrive(env, fset, acct, args, 2, 2)
	if err != nil {
		return err
	}
	defer c.close()
	if *jobsN < 1 {
		return errUsage
	}
	src, dst := remotePath(c.args[0]), c.args[1]
	root, err := c.d.GetByPath(ctx, src)
	if err != nil {
		return withExit(fmt.Errorf("%s: %w", src, err))
	}
	if dst == "-" {
		return getToStdout(ctx, env, c.d, root)
	}
	if st, err := os.Stat(dst); err == nil && st.IsDir() {
		name := root.Name
		if name == "" {
			name = "drive"
		}
		dst = filepath.Join(dst, name)
	}
	jobs, total, err := planGet(ctx, c.d, root, dst)
	if err != nil {
		return withExit(err)
	}
	bar := progress.New(env.Stderr, "get", total)
	start := time.Now()
	errs := make([]error, len(jobs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(*jobsN, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = getOne(ctx, c.d, jobs[i], bar)
			}
		}()
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()
	bar.Finish()
	var failed []error
	for i, err := range errs {
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", jobs[i].local, err))
		}
	}
	took := time.Since(start)
	if env.JSON {
		out := make([]map[string]any, len(jobs))
		for i, j := range jobs {
			out[i] = map[string]any{"path": j.f.Path, "local": j.local, "size": j.f.Size}
			if errs[i] != nil {
				out[i]["error"] = errs[i].Error()
			}
		}
		if err := writeJSON(env.Stdout, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.Stdout, "downloaded %d of %d files, %s in %s\n", len(jobs)-len(failed), len(jobs),
			progress.Bytes(bar.Done()), took.Round(time.Millisecond))
		for _, err := range failed {
			fmt.Fprintf(env.Stderr, "failed: %s\n", termesc.Text(err.Error()))
		}
	}
	if len(failed) > 0 {
		return withExit(fmt.Errorf("%d of %d files failed (first: %w)", len(failed), len(jobs), failed[0]))
	}
	return nil
}

// planGet lists what to download under root and creates the local folders.
func planGet(ctx context.Context, d drive.Drive, root *drive.File, dst string) ([]getJob, int64, error) {
	if !root.IsFolder() {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, 0, err
		}
		return []getJob{{f: root, local: dst}}, root.Size, nil
	}
	var (
		jobs  []getJob
		total int64
	)
	var walk func(f *drive.File, local string) error
	walk = func(f *drive.File, local string) error {
		if err := os.MkdirAll(local, 0o755); err != nil {
			return err
		}
		kids, err := listAll(ctx, d, f.FileID)
		if err != nil {
			return fmt.Errorf("list %s: %w", f.Path, err)
		}
		for _, k := range kids {
			if k.Name == "" || k.Name == "." || k.Name == ".." || strings.ContainsAny(k.Name, `/\`) {
				return fmt.Errorf("refusing to write remote name %q to the local disk", k.Name)
			}
			k.Path = path.Join(f.Path, k.Name)
			lp := filepath.Join(local, k.Name)
			if k.IsFolder() {
				if err := walk(k, lp); err != nil {
					return err
				}
				continue
			}
			jobs = append(jobs, getJob{f: k, local: lp})
			total += k.Size
		}
		return nil
	}
	if root.Path == "" {
		root.Path = "/"
	}
	return jobs, total, walk(root, dst)
}

// getOne downloads one file to a temporary name next to its target, checks
// its SHA-1 when the drive knows it, then renames it into place.
func getOne(ctx context.Context, d drive.Drive, j getJob, bar *progress.Bar) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(j.local), "."+filepath.Base(j.local)+".*.part")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha1.New()
	var n int64
	if j.f.Size > 0 {
		rc, err := d.Download(ctx, j.f.FileID, 0, -1)
		if err != nil {
			return err
		}
		n, err = io.Copy(io.MultiWriter(tmp, h, barWriter{bar}), rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	if n != j.f.Size {
		return fmt.Errorf("got %d bytes, the drive lists %d", n, j.f.Size)
	}
	if want := j.f.ContentHash; want != "" && !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), want) {
		return errors.New("content does not match the drive's SHA-1; download again")
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), j.local); err != nil {
		return err
	}
	if !j.f.UpdatedAt.IsZero() {
		_ = os.Chtimes(j.local, j.f.UpdatedAt, j.f.UpdatedAt)
	}
	bar.FileDone()
	return nil
}

// barWriter counts written bytes on a progress bar.
type barWriter struct{ b *progress.Bar }

func (w barWriter) Write(p []byte) (int, error) {
	w.b.Add(int64(len(p)))
	return len(p), nil
}

// getToStdout streams one file to stdout, checking its SHA-1 at the end.
func getToStdout(ctx context.Context, env *cliEnv, d drive.Drive, f *drive.File) error {
	if f.IsFolder() {
		return withExit(fmt.Errorf("%s is a folder: give a local folder instead of -: %w", f.Path, drive.ErrInvalid))
	}
	if f.Size == 0 {
		return nil
	}
	rc, err := d.Download(ctx, f.FileID, 0, -1)
	if err != nil {
		return withExit(err)
	}
	defer rc.Close()
	h := sha1.New()
	n, err := io.Copy(io.MultiWriter(env.Stdout, h), rc)
	if err != nil {
		return withExit(fmt.Errorf("download %s: %w", f.Path, err))
	}
	if n != f.Size || f.ContentHash != "" && !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), f.ContentHash) {
		return fmt.Errorf("download %s: got %d bytes that do not match the drive's size or SHA-1; download again", f.Path, n)
	}
	return nil
}
