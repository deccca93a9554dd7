package main

import (
	"fmt"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// scan asks the host what changed in the source since the manifest: the
// host walks the folder natively (wd_local_scan) and compares it with the
// scan index saved with the manifest's generation, so the plugin handles
// only new, changed and missing files. When there are none and no marked
// deletion is due, the run has nothing to do: scan returns a nil Scan and
// never reads the manifest. Otherwise it loads the manifest (r.m) and
// returns the full Scan for Diff.
func (r *backupRun) scan(phase func(string)) (*backupcore.Scan, error) {
	collectIfLarge() // a pooled instance still holds the previous run's garbage
	h, saved, err := r.store.ReadHead()
	if err != nil {
		return nil, r.loadErr(err)
	}
	indexed := saved && h.Index > 0 // generations older than the index: full scan
	req := sdk.LocalScanRequest{Path: r.s.Source, Include: r.s.Include, Exclude: r.s.Exclude,
		MaxSize: int64(r.s.MaxFileSize), Symlinks: r.s.Symlinks, Limit: scanPageFiles}
	if indexed {
		req.Index = r.store.IndexKeys(h)
	}
	res, err := sdk.LocalScanAll(req, maxListed)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", r.s.Source, err)
	}
	r.sum.Scanned = res.Unchanged + len(res.Files) + res.Excluded + len(res.Skipped)
	for _, sk := range res.Skipped {
		if len(r.sum.Skipped) < maxListed {
			r.sum.Skipped = append(r.sum.Skipped, skipInfo{sk.Path, sk.Reason})
		}
	}
	for _, dir := range res.Failed {
		r.sum.fail(dir+"/", fmt.Errorf("folder cannot be read: what it held stays backed up as it was"))
	}
	phase("scan")
	if indexed && len(res.Files) == 0 && len(res.Missing) == 0 && h.Quiet(r.s.opts, r.now) {
		r.sum.Unchanged, r.sum.Files = res.Unchanged, h.Entries
		return nil, nil
	}
	r.m = &backupcore.Manifest{}
	if saved {
		if r.m, err = r.store.LoadAt(h); err != nil {
			return nil, r.loadErr(err)
		}
	}
	r.m.Root = r.s.Target
	phase("load")
	r.sum.Phases["load_kv"] = kvTime.Milliseconds()
	files := make([]backupcore.LocalFile, len(res.Files))
	for i, f := range res.Files {
		// A followed link is its target's content; a recorded one carries
		// its target.
		files[i] = backupcore.LocalFile{Path: f.Path, Size: f.Size, MTime: f.MTime, Symlink: f.Link != "", Link: f.Link}
	}
	res.Files = nil
	collectIfLarge() // a first run's listing leaves pages of garbage
	if !indexed {
		return &backupcore.Scan{Files: files, Failed: res.Failed}, nil
	}
	return backupcore.FromScan(r.m, files, res.Missing, res.Failed), nil
}

// scanPageFiles bounds one scan answer (about 80 bytes a file).
const scanPageFiles = 10000

func (r *backupRun) loadErr(err error) error {
	return fmt.Errorf("load manifest: %w (delete the plugin's KV keys %s* to start over)", err, r.store.Prefix)
}
