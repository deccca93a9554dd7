package main

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// Uploads run on the host, several at a time (sdk.UploadMany): the plugin
// prepares a batch (drive folders, kept versions), hands it over, and
// records the results in the manifest between batches, so a checkpoint
// never waits for more than one batch. Every upload is resumable: the host
// keeps its multipart session under the file's resume key, and a run killed
// in the middle of a big file continues it on the next run.

// uploadBatchFiles and uploadBatchBytes bound one batch (and so does
// checkpoint_files: a checkpoint can only come between batches);
// sealedBatchBytes bounds the ciphertext copies of an encrypted batch in
// temp_dir.
const (
	uploadBatchFiles = 256
	uploadBatchBytes = 512 << 20
	sealedBatchBytes = 128 << 20
)

// runProgress is a run's progress in bytes, with files in the note.
type runProgress struct {
	files, filesTotal int64
	bytes, bytesTotal int64
	last              time.Time
}

func newRunProgress(p *backupcore.Plan) *runProgress {
	return &runProgress{filesTotal: int64(len(p.Uploads) + len(p.Renames) + len(p.Removals)), bytesTotal: p.UploadBytes}
}

// add counts finished files and their bytes, reporting at most once a second.
func (p *runProgress) add(files int, bytes int64) {
	p.files += int64(files)
	p.bytes += bytes
	p.report(false)
}

func (p *runProgress) report(force bool) {
	now := time.Now()
	if !force && now.Sub(p.last) < time.Second {
		return
	}
	p.last = now
	sdk.Progress(min(p.bytes, p.bytesTotal), p.bytesTotal, "bytes", fmt.Sprintf("%d/%d files", p.files, p.filesTotal))
}

// state is what the host continues while it uploads a batch.
func (p *runProgress) state() *sdk.UploadProgress {
	return &sdk.UploadProgress{BytesDone: p.bytes, BytesTotal: p.bytesTotal, FilesDone: p.files, FilesTotal: p.filesTotal}
}

// uploadAll sends the plan's uploads: batches of parallel host uploads, or
// one by one when parallel is 1. When encrypting, the plugin seals a
// batch's files into temp_dir first and the host uploads the ciphertexts.
func (r *backupRun) uploadAll(ups []backupcore.Upload) error {
	if r.s.Parallel <= 1 {
		for _, u := range ups {
			r.upload(u)
			r.prog.add(1, u.File.Size)
			if err := r.maybeCheckpoint(); err != nil {
				return err
			}
		}
		return nil
	}
	files, maxBytes := min(uploadBatchFiles, max(r.s.CheckpointFiles, 1)), int64(uploadBatchBytes)
	if r.s.keys != nil {
		maxBytes = sealedBatchBytes
	}
	for start := 0; start < len(ups); {
		end, bytes := start, int64(0)
		for end < len(ups) && end-start < files && (end == start || bytes+ups[end].File.Size <= maxBytes) {
			bytes += ups[end].File.Size
			end++
		}
		if err := r.uploadBatch(ups[start:end]); err != nil {
			return err
		}
		for range ups[start:end] {
			if err := r.maybeCheckpoint(); err != nil {
				return err
			}
		}
		start = end
	}
	return nil
}

// queued is an upload handed to the host.
type queued struct {
	u       backupcore.Upload
	version *backupcore.Version
	sealed  *sealed // the ciphertext copy uploaded instead (encryption)
	req     sdk.UploadRequest
	out     sdk.UploadOutcome
}

// uploadBatch prepares ups, uploads them through the host in parallel,
// retries the items that failed with a retryable error, and records the
// results.
func (r *backupRun) uploadBatch(ups []backupcore.Upload) error {
	batch := make([]*queued, 0, len(ups))
	defer func() {
		for _, q := range batch {
			if q.sealed != nil {
				removeTemp(q.sealed.path)
			}
		}
	}()
	t := sdk.Now()
	for _, u := range ups {
		if q := r.prepare(u); q != nil {
			batch = append(batch, q)
		} else {
			r.prog.add(1, u.File.Size)
		}
	}
	// Part of the transfer phase: drive folders, kept versions, sealing.
	r.sum.Phases["transfer_prepare"] += sdk.Now().Sub(t).Milliseconds()
	todo := batch
	for attempt := 0; len(todo) > 0; attempt++ {
		reqs := make([]sdk.UploadRequest, len(todo))
		for i, q := range todo {
			reqs[i] = q.req
		}
		outs, err := sdk.UploadMany(reqs, sdk.UploadManyOptions{Concurrency: r.s.Parallel, Progress: r.prog.state()})
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		var again []*queued
		for i, q := range todo {
			q.out = outs[i]
			if q.out.Err != nil && sdk.IsRetryable(q.out.Err) && attempt+1 < r.s.Retries {
				again = append(again, q)
			}
		}
		if len(again) > 0 {
			if err := sdk.Sleep(time.Duration(200<<attempt) * time.Millisecond); err != nil {
				return err
			}
		}
		todo = again
	}
	for _, q := range batch {
		r.prog.add(1, q.u.File.Size)
		if q.out.Err != nil {
			r.sum.fail(q.u.File.Path, fmt.Errorf("upload: %w", q.out.Err))
			continue
		}
		if q.out.Result.File == nil {
			r.sum.fail(q.u.File.Path, fmt.Errorf("upload: the host returned no file"))
			continue
		}
		e := backupcore.Entry{Path: q.u.File.Path, Size: q.u.File.Size, MTime: q.u.File.MTime}
		if q.sealed != nil {
			e.SHA1, e.Size = q.sealed.plainSHA1, q.sealed.plainSize
		}
		r.record(r.entryFor(e, q.u.File, q.out.Result), q.version, q.out.Result)
	}
	r.prog.report(false)
	return nil
}

// prepare resolves the drive folder of an upload and keeps the replaced
// version; nil when that failed (reported).
func (r *backupRun) prepare(u backupcore.Upload) *queued {
	f := u.File
	dir, name := path.Split(f.Path)
	parentID, err := r.dirs.id(r.s.remoteRel(path.Clean("/" + dir)))
	if err != nil {
		r.sum.fail(f.Path, err)
		return nil
	}
	q := &queued{u: u, req: sdk.UploadRequest{LocalPath: r.s.Source + "/" + f.Path, ParentFileID: parentID, Name: name,
		CheckNameMode: sdk.NameOverwrite, ResumeKey: r.resumeKey(f.Path), PartSize: int64(r.s.PartSize)}}
	if r.s.keys != nil {
		// A sealed copy is new every run (random nonces): nothing to resume.
		sl, err := sealFile(r.s, q.req.LocalPath)
		if err != nil {
			r.sum.fail(f.Path, err)
			return nil
		}
		q.sealed, q.req.LocalPath, q.req.ResumeKey = sl, sl.path, ""
		if *r.s.EncryptNames {
			q.req.Name = r.s.keys.EncryptName(name)
		}
	}
	if u.Prev != nil && r.s.KeepVersions && u.Prev.FileID != "" {
		v, err := r.keepVersion(*u.Prev)
		if err != nil {
			if q.sealed != nil {
				removeTemp(q.sealed.path)
			}
			r.sum.fail(f.Path, fmt.Errorf("keep old version: %w", err))
			return nil
		}
		q.version = &v
	}
	return q
}

// resumeKey names a file's upload session in the host's records: scoped
// like the manifest, so two backups of one plugin never share a session.
func (r *backupRun) resumeKey(rel string) string { return r.store.Prefix + "file/" + rel }

// record puts a finished upload into the manifest changes and the summary.
func (r *backupRun) record(e backupcore.Entry, version *backupcore.Version, res *sdk.UploadResult) {
	e.BackedUp = r.now.UnixNano()
	r.changes.Set(e)
	if version != nil {
		r.changes.AddVersion(*version)
		r.sum.Versioned++
	}
	r.sum.Uploaded++
	r.sum.BytesSent += res.BytesSent
	if res.RapidUpload {
		r.sum.Rapid++
	}
	if res.Resumed {
		r.sum.Resumed++
	}
}

// entryFor completes a manifest entry from the drive file an upload made.
func (r *backupRun) entryFor(e backupcore.Entry, f backupcore.LocalFile, res *sdk.UploadResult) backupcore.Entry {
	// Clone what the manifest keeps: sdk strings may share the answer buffer.
	e.FileID = strings.Clone(res.File.FileID)
	if r.s.keys != nil {
		e.RemoteSHA1, e.RemoteSize = strings.Clone(res.File.ContentHash), res.File.Size
		return e
	}
	e.SHA1 = strings.Clone(res.File.ContentHash)
	if res.File.Size != f.Size {
		// The file changed between the scan and the upload: record the
		// scan's mtime as unknown so the next run sends it again.
		e.MTime = 0
	}
	return e
}
