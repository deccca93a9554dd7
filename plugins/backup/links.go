package main

import (
	"errors"
	"fmt"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// Symbolic links. The listing reports a link as itself. Under symlinks:
// skip (the default) the diff leaves every link out and the summary lists
// each one. Under follow, a link to a regular file is backed up as that
// file (its content, size and mtime); the host resolves it and refuses a
// target outside the local read grant. Links to folders are not followed,
// so a link cannot make a walk loop or leave the tree; they, and links
// that are dangling or point outside the grant, stay links: left out and
// listed with the reason (linkReasons) in the summary.

// linkReasons says why a link was left out under follow (by path); reset
// per run: globals outlive a call on a pooled instance.
var linkReasons map[string]string

// followLinks turns the links among files that point at readable regular
// files into those files, in place.
func followLinks(s *settings, files []backupcore.LocalFile) {
	linkReasons = map[string]string{}
	for i := range files {
		f := &files[i]
		if !f.Symlink {
			continue
		}
		st, err := sdk.LocalStat(s.Source + "/" + f.Path)
		switch {
		case errors.Is(err, sdk.ErrPermission), errors.Is(err, sdk.ErrNotFound):
			linkReasons[f.Path] = "symlink target is missing or outside the local read grant"
		case err != nil:
			linkReasons[f.Path] = fmt.Sprintf("symlink target cannot be read: %v", err)
		case st.Dir:
			linkReasons[f.Path] = "symlink to a folder (not followed)"
		default:
			f.Symlink, f.Size, f.MTime = false, st.Size, st.ModTime.UnixNano()
		}
	}
}

// skipReason is the summary's reason for a file the diff left out.
func skipReason(sk backupcore.Skip) string {
	if r, ok := linkReasons[sk.Path]; ok {
		return r
	}
	return sk.Reason
}
