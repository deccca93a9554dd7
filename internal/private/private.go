// Package private creates the files and folders of a wasmdrive data folder
// readable by their owner only: folders 0700, files 0600. The data folder
// holds the drive's metadata (share passwords), its blobs (the user's
// files), the plugins' KV, tokens, caches and logs; nothing in it is meant
// for other local accounts.
package private

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// DirMode and FileMode are the modes of everything in a data folder.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// MkdirAll creates dir and its missing parents with DirMode.
func MkdirAll(dir string) error { return os.MkdirAll(dir, DirMode) }

// WriteFile writes data to name, creating it with FileMode.
func WriteFile(name string, data []byte) error { return os.WriteFile(name, data, FileMode) }

// OpenFile is os.OpenFile creating the file with FileMode.
func OpenFile(name string, flag int) (*os.File, error) { return os.OpenFile(name, flag, FileMode) }

// PrepareDB creates the SQLite database file at path with FileMode before
// SQLite opens it: SQLite creates its -wal and -shm files with the mode of
// the database file, so all three stay private. An existing database and
// its -wal and -shm files are tightened.
func PrepareDB(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, FileMode)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return Tighten(path, path+"-wal", path+"-shm", path+"-journal")
}

// Tighten removes the group and other permission bits of each path that
// exists (made by an older wasmdrive or under a lax umask). It does not
// descend into folders: a folder at DirMode already closes its whole tree
// to other accounts.
func Tighten(paths ...string) error {
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check the mode of %s: %w", p, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&^0o077); err != nil {
			return fmt.Errorf("make %s private (chmod go-rwx): %w", p, err)
		}
	}
	return nil
}
