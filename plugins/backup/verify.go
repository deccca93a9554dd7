package main

import (
	"fmt"
	"math/rand/v2"
	"path"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// VerifyInput is the verify entry's input.
type VerifyInput struct {
	// Sample checks this many random entries; 0 checks all.
	Sample int `json:"sample"`
	// Deep downloads each checked file into temp_dir and re-hashes it on
	// the host; otherwise the drive's stored hash and size are compared.
	Deep bool `json:"deep"`
}

// VerifySummary is the verify entry's output.
type VerifySummary struct {
	Status      string      `json:"status"` // ok, differences
	Checked     int         `json:"checked"`
	OK          int         `json:"ok"`
	Differences []fileError `json:"differences,omitempty"`
}

func runVerify(s *settings, in VerifyInput) (*VerifySummary, error) {
	store := &backupcore.Store{KV: kvAdapter{}, Prefix: s.kvPrefix()}
	m, err := store.Load()
	if err != nil {
		return nil, fmt.Errorf("load manifest: %w", err)
	}
	entries := make([]backupcore.Entry, 0, len(m.Entries))
	for _, e := range m.Entries {
		if e.Link == "" {
			entries = append(entries, e)
		}
	}
	if in.Sample > 0 && in.Sample < len(entries) {
		rand.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
		entries = entries[:in.Sample]
	}
	if in.Deep && s.TempDir == "" {
		return nil, fmt.Errorf("verify: deep needs temp_dir (a granted local folder)")
	}
	onDrive := map[string]*sdk.File{}
	if !in.Deep {
		for f, err := range sdk.Walk(s.Target, nil) {
			if err != nil {
				return nil, fmt.Errorf("list %s: %w", s.Target, err)
			}
			if !f.IsFolder() {
				onDrive[f.FileID] = f
			}
		}
	}
	sum := &VerifySummary{Status: "ok"}
	diff := func(e backupcore.Entry, format string, args ...any) {
		sum.Status = "differences"
		if len(sum.Differences) < maxListed {
			sum.Differences = append(sum.Differences, fileError{e.Path, fmt.Sprintf(format, args...)})
		}
	}
	tmp := path.Join(s.TempDir, ".wdbk-verify")
	for i, e := range entries {
		sum.Checked++
		if in.Deep {
			res, err := sdk.Download(sdk.DownloadRequest{FileID: e.FileID, LocalPath: tmp, Overwrite: true})
			switch {
			case err != nil:
				diff(e, "download: %v", err)
			case res.Bytes != e.StoredSize() || !equalFold(res.SHA1, e.StoredSHA1()):
				diff(e, "drive has %d bytes SHA-1 %s, manifest %d bytes %s", res.Bytes, res.SHA1, e.StoredSize(), e.StoredSHA1())
			default:
				sum.OK++
			}
		} else {
			f := onDrive[e.FileID]
			switch {
			case f == nil:
				diff(e, "missing on the drive (file id %s)", e.FileID)
			case f.Size != e.StoredSize() || !equalFold(f.ContentHash, e.StoredSHA1()):
				diff(e, "drive has %d bytes SHA-1 %s, manifest %d bytes %s", f.Size, f.ContentHash, e.StoredSize(), e.StoredSHA1())
			default:
				sum.OK++
			}
		}
		if (i+1)%100 == 0 {
			sdk.Progress(int64(i+1), int64(len(entries)), "files", "verifying")
		}
	}
	return sum, nil
}
