package main

import (
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// Summary is a backup run's result (the output and the event's data).
type Summary struct {
	Status    string      `json:"status"` // ok, partial
	Source    string      `json:"source"`
	Target    string      `json:"target"`
	Files     int         `json:"files"` // files in the manifest after the run
	Scanned   int         `json:"scanned"`
	Uploaded  int         `json:"uploaded"`
	Rapid     int         `json:"rapid"`   // uploads the drive already had
	Resumed   int         `json:"resumed"` // uploads continued from a killed run's session
	BytesSent int64       `json:"bytes_sent"`
	BytesPlan int64       `json:"bytes_planned"`
	Unchanged int         `json:"unchanged"`
	Renamed   int         `json:"renamed"`
	Removed   int         `json:"removed"`
	Marked    int         `json:"marked_deleted"`
	Versioned int         `json:"versioned"`
	Retained  int         `json:"retained"`
	Skipped   []skipInfo  `json:"skipped,omitempty"`
	Errors    []fileError `json:"errors,omitempty"`
	ManifestB int         `json:"manifest_bytes"`
	Encrypted bool        `json:"encrypted"`
	ElapsedMS int64       `json:"elapsed_ms"`
	// Phases are the milliseconds spent loading the manifest, scanning the
	// source, diffing, uploading and saving.
	Phases      map[string]int64 `json:"phases_ms"`
	StartedAt   time.Time        `json:"started_at"`
	CompletedAt time.Time        `json:"completed_at"`
}

type skipInfo struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

type fileError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// maxListed caps the skipped and error lists in a summary.
const maxListed = 200

func (s *Summary) fail(p string, err error) {
	s.Status = "partial"
	if len(s.Errors) < maxListed {
		s.Errors = append(s.Errors, fileError{p, err.Error()})
	}
	sdk.LogWarn("backup: file failed", "path", p, "error", err)
}

// backupRun is one backup: settings, the manifest and what changed.
type backupRun struct {
	s        *settings
	store    *backupcore.Store
	m        *backupcore.Manifest
	changes  *backupcore.Changes
	sum      *Summary
	dirs     *dirCache
	now      time.Time
	stamp    string // versions folder of this run
	lastSave time.Time
	pending  int
	prog     *runProgress
}

func runBackup(s *settings) (*Summary, error) {
	start := sdk.Now()
	r := &backupRun{s: s, now: start, changes: backupcore.NewChanges(),
		sum:   &Summary{Status: "ok", Source: s.Source, Target: s.Target, StartedAt: start, Encrypted: s.keys != nil},
		store: &backupcore.Store{KV: kvAdapter{}, Prefix: s.kvPrefix()}, stamp: start.UTC().Format("2006-01-02_150405")}
	if err := checkKeyFingerprint(s); err != nil {
		return nil, err
	}
	if s.keys != nil {
		if err := checkWASI(s.Source, s.TempDir); err != nil {
			return nil, err
		}
	}
	r.sum.Phases = map[string]int64{}
	kvTime = 0 // globals outlive a call on a pooled instance
	mark := start
	phase := func(name string) {
		now := sdk.Now()
		r.sum.Phases[name] += now.Sub(mark).Milliseconds()
		mark = now
	}
	scan, err := r.scan(phase)
	if err != nil {
		return nil, err
	}
	if scan == nil { // nothing changed
		return r.finish(), nil
	}
	plan := backupcore.Diff(r.m, scan, s.opts, start)
	r.confirmDeletions(plan)
	r.sum.Unchanged, r.sum.Retained, r.sum.BytesPlan = plan.Unchanged, plan.Retained, plan.UploadBytes
	for _, sk := range plan.Skipped {
		if len(r.sum.Skipped) < maxListed {
			r.sum.Skipped = append(r.sum.Skipped, skipInfo{sk.Path, sk.Reason})
		}
	}
	if !plan.Empty() {
		sdk.LogInfo("backup plan", "uploads", len(plan.Uploads), "bytes", plan.UploadBytes, "renames", len(plan.Renames),
			"removals", len(plan.Removals), "marked", len(plan.Marked), "unchanged", plan.Unchanged)
		phase("diff")
		if err := r.execute(plan); err != nil {
			return r.sum, err
		}
		phase("transfer")
	}
	if r.changes.Len() > 0 {
		if err := r.checkpoint(); err != nil {
			return r.sum, err
		}
		phase("save")
	}
	r.sum.Files = len(r.m.Entries)
	return r.finish(), nil
}

// finish stamps the summary's end.
func (r *backupRun) finish() *Summary {
	end := sdk.Now()
	r.sum.CompletedAt = end
	r.sum.ElapsedMS = end.Sub(r.sum.StartedAt).Milliseconds()
	return r.sum
}

// confirmDeletions keeps only the vanished entries whose local file is
// really gone: the host listing skips what it cannot read, and an
// unreadable file must never be taken for a deleted one.
func (r *backupRun) confirmDeletions(p *backupcore.Plan) {
	gone := func(rel string) bool {
		_, err := sdk.LocalStat(r.s.Source + "/" + rel)
		return errors.Is(err, sdk.ErrNotFound)
	}
	keep := p.Removals[:0]
	for _, e := range p.Removals {
		if gone(e.Path) {
			keep = append(keep, e)
		} else {
			p.Retained++
		}
	}
	p.Removals = keep
	marked := p.Marked[:0]
	for _, rel := range p.Marked {
		if gone(rel) {
			marked = append(marked, rel)
		} else {
			p.Retained++
		}
	}
	p.Marked = marked
}

func (r *backupRun) execute(p *backupcore.Plan) error {
	r.dirs = newDirCache(r.s.Target)
	r.prog = newRunProgress(p)
	for _, rn := range p.Renames {
		r.rename(rn)
		r.prog.add(1, 0)
		if err := r.maybeCheckpoint(); err != nil {
			return err
		}
	}
	if err := r.uploadAll(p.Uploads); err != nil {
		return err
	}
	r.remove(p.Removals)
	r.prog.add(len(p.Removals), 0)
	r.prog.report(true)
	for _, rel := range p.Marked {
		if e := r.m.Find(rel); e != nil {
			c := *e
			c.DeletedAt = r.now.UnixNano()
			r.changes.Set(c)
			r.sum.Marked++
		}
	}
	for _, rel := range p.Revived {
		if e := r.m.Find(rel); e != nil {
			c := *e
			c.DeletedAt = 0
			r.changes.Set(c)
		}
	}
	return nil
}

// maybeCheckpoint saves the manifest every CheckpointFiles changes (at most
// every 5 s), so a killed backup resumes after the files already done.
func (r *backupRun) maybeCheckpoint() error {
	r.pending++
	if r.pending < r.s.CheckpointFiles || time.Since(r.lastSave) < 5*time.Second {
		return nil
	}
	return r.checkpoint()
}

func (r *backupRun) checkpoint() error {
	r.changes.Apply(r.m)
	r.changes = backupcore.NewChanges()
	r.m.Updated = sdk.Now().UnixNano()
	n, err := r.store.Save(r.m)
	if err != nil {
		return fmt.Errorf("save manifest: %w", err)
	}
	r.sum.ManifestB = n
	r.pending = 0
	r.lastSave = time.Now()
	collectIfLarge() // the encoded manifest and the replaced entries are garbage now
	return nil
}

// upload sends one new or changed file; a changed file's old content goes
// to the versions folder first when keep_versions is on.
func (r *backupRun) upload(u backupcore.Upload) {
	f := u.File
	dir, name := path.Split(f.Path)
	remoteDir := r.s.remoteRel(path.Clean("/" + dir))
	parentID, err := r.dirs.id(remoteDir)
	if err != nil {
		r.sum.fail(f.Path, err)
		return
	}
	var version *backupcore.Version
	if u.Prev != nil && r.s.KeepVersions && u.Prev.FileID != "" {
		v, err := r.keepVersion(*u.Prev)
		if err != nil {
			r.sum.fail(f.Path, fmt.Errorf("keep old version: %w", err))
			return
		}
		version = &v
	}
	e, res, err := r.send(f, parentID, name)
	if err != nil {
		r.sum.fail(f.Path, err)
		return
	}
	r.record(e, version, res)
}

// send uploads the file (encrypted first when configured) and returns its
// manifest entry.
func (r *backupRun) send(f backupcore.LocalFile, parentID, name string) (backupcore.Entry, *sdk.UploadResult, error) {
	e := backupcore.Entry{Path: f.Path, Size: f.Size, MTime: f.MTime}
	local := r.s.Source + "/" + f.Path
	remoteName := name
	if r.s.keys != nil {
		sealed, err := sealFile(r.s, local)
		if err != nil {
			return e, nil, err
		}
		defer removeTemp(sealed.path)
		local, e.SHA1, e.Size = sealed.path, sealed.plainSHA1, sealed.plainSize
		if *r.s.EncryptNames {
			remoteName = r.s.keys.EncryptName(name)
		}
	}
	var res *sdk.UploadResult
	err := retry(r.s.Retries, func() error {
		var err error
		req := sdk.UploadRequest{LocalPath: local, ParentFileID: parentID, Name: remoteName,
			CheckNameMode: sdk.NameOverwrite, PartSize: int64(r.s.PartSize)}
		if r.s.keys == nil {
			req.ResumeKey = r.resumeKey(f.Path) // a sealed copy is new every time: nothing to resume
		}
		res, err = sdk.Upload(req)
		return err
	})
	if err != nil {
		return e, nil, fmt.Errorf("upload: %w", err)
	}
	if res.File == nil {
		return e, nil, fmt.Errorf("upload: the host returned no file")
	}
	return r.entryFor(e, f, res), res, nil
}
