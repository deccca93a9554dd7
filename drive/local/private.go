package local

import (
	"fmt"
	"path/filepath"

	"github.com/wasmdrive/wasmdrive/internal/private"
)

// preparePrivate makes the drive's folder and its database private before
// SQLite opens it: the folder (and blobs/, uploads/ in it) 0700 also when
// an older version made them 0755, and meta.db 0600 so that its -wal and
// -shm files are created 0600 too. meta.db holds share passwords.
func preparePrivate(dbPath string) error {
	dir := filepath.Dir(dbPath)
	if err := private.Tighten(dir, filepath.Join(dir, "blobs"), filepath.Join(dir, "uploads")); err != nil {
		return fmt.Errorf("local drive: %w", err)
	}
	if err := private.PrepareDB(dbPath); err != nil {
		return fmt.Errorf("local drive: %w", err)
	}
	return nil
}
