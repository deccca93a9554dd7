package local

import (
	"os"
	"path/filepath"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// Blobs the metadata does not name are not deleted at once: garbage
// collection moves them into quarantine/ (named by hash, with their
// modification time set to the move), where `wasmdrive drive fsck` can
// recover them, and removes them after Options.QuarantineRetention. A blob
// whose content failed its hash at read time goes there as <sha1>.bad, so
// the next upload of that content stores it again.

// quarantineDir is the folder of quarantined blobs.
func (d *Drive) quarantineDir() string { return filepath.Join(d.dir, "quarantine") }

// quarantine moves the file at p into quarantine/name. It logs failures:
// the blob then stays where it is.
func (d *Drive) quarantine(p, name string) bool {
	q := d.quarantineDir()
	if err := private.MkdirAll(q); err != nil {
		d.log.Warn("local drive: create quarantine folder", "err", err)
		return false
	}
	dst := filepath.Join(q, name)
	if err := os.Rename(p, dst); err != nil {
		if !os.IsNotExist(err) {
			d.log.Warn("local drive: quarantine blob", "path", p, "err", err)
		}
		return false
	}
	now := time.Now()
	os.Chtimes(dst, now, now)
	return true
}

// purgeQuarantine removes quarantined blobs older than the retention.
func (d *Drive) purgeQuarantine() {
	ents, err := os.ReadDir(d.quarantineDir())
	if err != nil {
		return
	}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || e.IsDir() {
			continue
		}
		if time.Since(info.ModTime()) > d.opts.QuarantineRetention {
			d.log.Info("local drive: removing a quarantined blob past its retention", "path", filepath.Join(d.quarantineDir(), e.Name()))
			os.Remove(filepath.Join(d.quarantineDir(), e.Name()))
		}
	}
}

// badSuffix marks a quarantined blob whose content did not match its hash.
const badSuffix = ".bad"
