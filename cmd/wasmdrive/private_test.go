package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDataDirIsPrivate runs the demo and the commands its hint prints on a
// fresh data folder under the usual umask 022, then walks every file and
// folder in it: none may be readable, writable or searchable by the group
// or others (the drive's metadata holds share passwords, its blobs the
// user's files).
func TestDataDirIsPrivate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the built-in plugins")
	}
	old := syscall.Umask(0o022) // a stricter umask would hide the modes asked for
	t.Cleanup(func() { syscall.Umask(old) })
	data := filepath.Join(t.TempDir(), "data")
	mustWD(t, data, "demo")
	demoDir := filepath.Join(data, "demo")
	mustWD(t, demoDir, "drive", "tree", "/")
	mustWD(t, demoDir, "run", "backup")
	src := filepath.Join(t.TempDir(), "put.txt")
	if err := os.WriteFile(src, []byte("put me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustWD(t, data, "drive", "put", src, "/up")
	mustWD(t, data, "drive", "share", "--password", "abcd", "/up/put.txt")
	mustWD(t, data, "doctor")

	var open []string
	err := filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			open = append(open, fi.Mode().Perm().String()+" "+strings.TrimPrefix(p, data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) > 0 {
		if len(open) > 40 {
			open = append(open[:40], "…")
		}
		t.Errorf("%d entries of the data folder are open to the group or others:\n%s", len(open), strings.Join(open, "\n"))
	}
}
