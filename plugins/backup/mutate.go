package main

import (
	"fmt"
	"path"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// The drive mutations of a backup besides uploads: versions, renames and
// removals.

// keepVersion moves a replaced file into <target>/<versions>/<run stamp>/<dir>.
func (r *backupRun) keepVersion(prev backupcore.Entry) (backupcore.Version, error) {
	dir := path.Dir("/" + prev.Path)
	vdir := path.Join("/"+r.s.VersionsDir, r.stamp, r.s.remoteRel(dir))
	id, err := r.dirs.id(vdir)
	if err != nil {
		return backupcore.Version{}, err
	}
	if err := retry(r.s.Retries, func() error { _, err := sdk.Move(prev.FileID, id, ""); return err }); err != nil {
		return backupcore.Version{}, fmt.Errorf("move to %s: %w", vdir, err)
	}
	return backupcore.VersionOf(prev, prev.FileID, r.now.UnixNano()), nil
}

// rename moves the drive file of a renamed local file once the hash
// confirms it; otherwise the new file is uploaded and the old one handled
// as deleted.
func (r *backupRun) rename(rn backupcore.Rename) {
	sha, _, err := sdk.LocalSHA1(r.s.Source + "/" + rn.To.Path)
	if err != nil || !equalFold(sha, rn.From.SHA1) {
		r.upload(backupcore.Upload{File: rn.To, Reason: backupcore.ReasonNew})
		if r.s.opts.Deletion == "mirror" {
			r.remove([]backupcore.Entry{rn.From})
		} else if rn.From.DeletedAt == 0 {
			c := rn.From
			c.DeletedAt = r.now.UnixNano()
			r.changes.Set(c)
		}
		return
	}
	dir, name := path.Split(rn.To.Path)
	parentID, err := r.dirs.id(r.s.remoteRel(path.Clean("/" + dir)))
	if err == nil {
		err = retry(r.s.Retries, func() error {
			_, err := sdk.Move(rn.From.FileID, parentID, r.s.remoteRel(name))
			return err
		})
	}
	if err != nil {
		r.sum.fail(rn.To.Path, fmt.Errorf("rename from %s: %w", rn.From.Path, err))
		return
	}
	e := rn.From
	e.Path, e.MTime, e.DeletedAt = rn.To.Path, rn.To.MTime, 0
	r.changes.Remove(rn.From.Path)
	r.changes.Set(e)
	r.sum.Renamed++
}

// remove trashes (or, with keep_versions, moves to the versions folder)
// the drive files of deleted local files.
func (r *backupRun) remove(entries []backupcore.Entry) {
	if len(entries) == 0 {
		return
	}
	if r.s.KeepVersions {
		for _, e := range entries {
			v, err := r.keepVersion(e)
			if err != nil {
				r.sum.fail(e.Path, err)
				continue
			}
			r.changes.AddVersion(v)
			r.changes.Remove(e.Path)
			r.sum.Removed++
			r.sum.Versioned++
		}
		return
	}
	items := make([]sdk.BatchItem, 0, len(entries))
	for _, e := range entries {
		items = append(items, sdk.TrashItem(e.FileID))
	}
	res, err := sdk.Batch(items, sdk.BatchOptions{})
	if err != nil {
		for _, e := range entries {
			r.sum.fail(e.Path, fmt.Errorf("trash: %w", err))
		}
		return
	}
	for i, e := range entries {
		if i < len(res) && res[i].Status >= 300 && res[i].Status != 404 {
			r.sum.fail(e.Path, fmt.Errorf("trash: status %d %s", res[i].Status, res[i].Code))
			continue
		}
		r.changes.Remove(e.Path)
		r.sum.Removed++
	}
}

func equalFold(a, b string) bool {
	if len(a) != len(b) || a == "" {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'a' && x <= 'z' {
			x -= 32
		}
		if y >= 'a' && y <= 'z' {
			y -= 32
		}
		if x != y {
			return false
		}
	}
	return true
}
