// Package drivefiles turns the sdk's drive files into the rule engine's
// match.File and lists drive subtrees for the archive and cleanup plugins.
package drivefiles

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/wasmdrive/wasmdrive/plugins/internal/match"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// FromSDK converts a drive file whose Path is known.
func FromSDK(f *sdk.File) match.File {
	ext := strings.ToLower(f.FileExtension)
	if ext == "" && !f.IsFolder() {
		ext = match.ExtOf(f.Name)
	}
	return match.File{ID: f.FileID, Path: f.Path, Name: f.Name, Ext: ext, Category: f.Category, Size: f.Size,
		Hash: strings.ToUpper(f.ContentHash), Created: f.CreatedAt, Updated: f.UpdatedAt, Folder: f.IsFolder()}
}

// Tree lists every file and folder below folder (not folder itself),
// skipping the subtrees of the absolute paths in skip. A missing folder is
// an empty tree.
func Tree(folder string, skip ...string) ([]match.File, error) {
	folder = path.Clean("/" + folder)
	skipFn := func(f *sdk.File) bool {
		for _, s := range skip {
			if f.Path == s {
				return true
			}
		}
		return false
	}
	var out []match.File
	for f, err := range sdk.Walk(folder, skipFn) {
		if errors.Is(err, sdk.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", folder, err)
		}
		if skipFn(f) {
			continue
		}
		out = append(out, FromSDK(f))
	}
	return out, nil
}

// Names returns name → file id of a folder's direct children; a missing
// folder is an empty map.
func Names(dir string) (map[string]string, error) {
	out := map[string]string{}
	for f, err := range sdk.ListAll(sdk.ListOptions{Path: dir, Limit: 100}) {
		if errors.Is(err, sdk.ErrNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", dir, err)
		}
		out[f.Name] = f.FileID
	}
	return out, nil
}
