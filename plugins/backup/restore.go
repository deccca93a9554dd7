package main

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// RestoreInput is the restore entry's input.
type RestoreInput struct {
	// Dest is the local folder to restore into (granted for writing).
	Dest string `json:"dest"`
	// At restores the tree as it was at that time (older content needs
	// keep_versions); zero means the latest backup.
	At time.Time `json:"at"`
	// From restores a drive folder as it is, without the manifest (for a
	// backup made elsewhere); relative names are decrypted when the config
	// has a key.
	From string `json:"from"`
	// Prefix limits the restore to paths below this relative folder.
	Prefix string `json:"prefix"`
}

// RestoreSummary is the restore entry's output.
type RestoreSummary struct {
	Status    string      `json:"status"` // ok, partial
	Dest      string      `json:"dest"`
	Files     int         `json:"files"`
	Bytes     int64       `json:"bytes"`
	Verified  int         `json:"verified"` // files whose SHA-1 matched
	Errors    []fileError `json:"errors,omitempty"`
	ElapsedMS int64       `json:"elapsed_ms"`
}

func (s *RestoreSummary) fail(p string, err error) {
	s.Status = "partial"
	if len(s.Errors) < maxListed {
		s.Errors = append(s.Errors, fileError{p, err.Error()})
	}
	sdk.LogWarn("restore: file failed", "path", p, "error", err)
}

// restoreItem is one file to bring back.
type restoreItem struct {
	rel    string // local relative path
	fileID string
	size   int64
	sha1   string // expected SHA-1 of what lands in dest (plaintext)
	stored string // expected SHA-1 of the drive object
}

func runRestore(s *settings, in RestoreInput) (*RestoreSummary, error) {
	start := sdk.Now()
	in.Dest = strings.TrimSuffix(in.Dest, "/")
	if !strings.HasPrefix(in.Dest, "/") {
		return nil, fmt.Errorf("restore: dest %q must be an absolute local folder", in.Dest)
	}
	if err := checkKeyFingerprint(s); err != nil && in.From == "" {
		return nil, err
	}
	if s.keys != nil {
		if err := checkWASI(s.TempDir); err != nil {
			return nil, err
		}
	}
	var items []restoreItem
	var err error
	if in.From != "" {
		items, err = driveItems(s, in.From)
	} else {
		items, err = manifestItems(s, in.At)
	}
	if err != nil {
		return nil, err
	}
	sum := &RestoreSummary{Status: "ok", Dest: in.Dest}
	prefix := strings.Trim(in.Prefix, "/")
	var total int64
	for _, it := range items {
		total += it.size
	}
	for i, it := range items {
		if prefix != "" && it.rel != prefix && !strings.HasPrefix(it.rel, prefix+"/") {
			continue
		}
		n, err := restoreOne(s, in.Dest, it)
		if err != nil {
			sum.fail(it.rel, err)
			continue
		}
		sum.Files++
		sum.Verified++
		sum.Bytes += n
		if (i+1)%50 == 0 || i == len(items)-1 {
			sdk.Progress(sum.Bytes, total, "bytes", fmt.Sprintf("%d/%d files", i+1, len(items)))
		}
	}
	sum.ElapsedMS = sdk.Now().Sub(start).Milliseconds()
	return sum, nil
}

// restoreOne downloads one file (decrypting it when needed) and checks
// its SHA-1 before it replaces the local file: content that fails the
// check never lands on target, so a restore over a good local copy cannot
// make it worse. Without encryption the host checks (DownloadRequest.SHA1)
// between its temp file beside target and the rename; with encryption the
// ciphertext is checked in temp_dir and the plaintext in a temp file
// beside target (openFile).
func restoreOne(s *settings, dest string, it restoreItem) (int64, error) {
	target := dest + "/" + it.rel
	if s.keys == nil {
		var res *sdk.DownloadResult
		err := retry(s.Retries, func() error {
			var err error
			res, err = sdk.Download(sdk.DownloadRequest{FileID: it.fileID, LocalPath: target, Overwrite: true, SHA1: it.sha1})
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("download: %w", err)
		}
		if it.sha1 != "" && !equalFold(res.SHA1, it.sha1) {
			return 0, fmt.Errorf("SHA-1 mismatch: got %s, manifest has %s", res.SHA1, it.sha1)
		}
		return res.Bytes, nil
	}
	tmp := tempName(s.TempDir, ".dl")
	defer removeTemp(tmp)
	var res *sdk.DownloadResult
	err := retry(s.Retries, func() error {
		var err error
		res, err = sdk.Download(sdk.DownloadRequest{FileID: it.fileID, LocalPath: tmp, Overwrite: true})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("download: %w", err)
	}
	if it.stored != "" && !equalFold(res.SHA1, it.stored) {
		return 0, fmt.Errorf("drive object SHA-1 mismatch: got %s, want %s", res.SHA1, it.stored)
	}
	return openFile(s, tmp, target, it.sha1)
}

func manifestItems(s *settings, at time.Time) ([]restoreItem, error) {
	store := &backupcore.Store{KV: kvAdapter{}, Prefix: s.kvPrefix()}
	m, err := store.Load()
	if err != nil {
		return nil, fmt.Errorf("load manifest: %w", err)
	}
	if len(m.Entries) == 0 && len(m.Versions) == 0 {
		return nil, fmt.Errorf("restore: no backup of %s into %s yet (or give from: a drive folder)", s.Source, s.Target)
	}
	var entries []backupcore.Entry
	if at.IsZero() {
		for _, e := range m.Entries {
			if e.DeletedAt == 0 {
				entries = append(entries, e)
			}
		}
	} else {
		entries = m.At(at)
	}
	items := make([]restoreItem, 0, len(entries))
	for _, e := range entries {
		if e.Link != "" {
			continue
		}
		items = append(items, restoreItem{rel: e.Path, fileID: e.FileID, size: e.Size, sha1: e.SHA1, stored: e.StoredSHA1()})
	}
	return items, nil
}

// driveItems lists a drive folder for a restore without the manifest; the
// drive's own content hash is what each file is checked against.
func driveItems(s *settings, from string) ([]restoreItem, error) {
	from = path.Clean("/" + from)
	var items []restoreItem
	skipVersions := func(f *sdk.File) bool { return f.Path == path.Join(from, s.VersionsDir) }
	for f, err := range sdk.Walk(from, skipVersions) {
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", from, err)
		}
		if f.IsFolder() {
			continue
		}
		rel, err := s.localRel(strings.TrimPrefix(f.Path, from+"/"))
		if err != nil {
			return nil, fmt.Errorf("restore %s: %w", f.Path, err)
		}
		it := restoreItem{rel: rel, fileID: f.FileID, size: f.Size, stored: f.ContentHash}
		if s.keys == nil {
			it.sha1 = f.ContentHash
		}
		items = append(items, it)
	}
	return items, nil
}
