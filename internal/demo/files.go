package demo

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/internal/private"
)

// sampleFiles are the local files the demo backs up.
var sampleFiles = []struct{ path, content string }{
	{"docs/report.txt", "Quarterly report\n"},
	{"docs/notes/todo.md", "- back up\n- archive\n"},
	{"docs/notes/日本語.txt", "こんにちは\n"},
	{"photos/2026/beach.jpg", string(bytes.Repeat([]byte("JPEGDATA"), 40000))},
	{"photos/2026/sunset.jpg", string(bytes.Repeat([]byte("jpegdata"), 30000))},
	{"src/main.go", "package main\n\nfunc main() {}\n"},
	{"empty.txt", ""},
}

// driveFiles seed the drive for archive and cleanup, in upload order (the
// db-N sets get distinct times for keep_newest).
var driveFiles = []struct{ path, content string }{
	{"/Inbox/invoice.pdf", "%PDF invoice"},
	{"/Inbox/contract.pdf", "%PDF contract"},
	{"/Inbox/server.log", "log line\n"},
	{"/Inbox/copy-of-invoice.pdf", "%PDF invoice"},
	{"/Backups/db-1", "set 1"},
	{"/Backups/db-2", "set 2"},
	{"/Backups/db-3", "set 3"},
	{"/Backups/db-4", "set 4"},
}

// writeSamples creates the sample files under src.
func writeSamples(src string) error {
	for _, f := range sampleFiles {
		full := filepath.Join(src, filepath.FromSlash(f.path))
		if err := private.MkdirAll(filepath.Dir(full)); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := private.WriteFile(full, []byte(f.content)); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// changeSamples edits one file, adds one, deletes one and renames one.
func changeSamples(src string) error {
	time.Sleep(10 * time.Millisecond) // a later modification time than the first run saw
	steps := []func() error{
		func() error {
			return os.WriteFile(filepath.Join(src, "docs", "report.txt"), []byte("Quarterly report, revised\n"), private.FileMode)
		},
		func() error {
			return os.WriteFile(filepath.Join(src, "docs", "new.txt"), []byte("a new file\n"), private.FileMode)
		},
		func() error { return os.Remove(filepath.Join(src, "src", "main.go")) },
		func() error {
			return os.Rename(filepath.Join(src, "photos", "2026", "sunset.jpg"), filepath.Join(src, "photos", "2026", "sunset-final.jpg"))
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("demo: change the sample files: %w", err)
		}
	}
	return nil
}

// seedDrive uploads driveFiles and adds an empty folder tree to /Inbox.
func seedDrive(ctx context.Context, d drive.Drive) error {
	for _, f := range driveFiles {
		parent, err := d.MkdirAll(ctx, path.Dir(f.path))
		if err != nil {
			return fmt.Errorf("demo: mkdir %s: %w", path.Dir(f.path), err)
		}
		b := []byte(f.content)
		if _, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: parent.FileID, Name: path.Base(f.path), Size: int64(len(b)),
			Content: bytes.NewReader(b), CheckNameMode: drive.NameOverwrite}); err != nil {
			return fmt.Errorf("demo: upload %s: %w", f.path, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := d.MkdirAll(ctx, "/Inbox/empty/deeper"); err != nil {
		return fmt.Errorf("demo: mkdir /Inbox/empty/deeper: %w", err)
	}
	return nil
}

// sameTree reports whether two folders hold the same files with the same
// bytes (compared by SHA-1).
func sameTree(a, b string) (bool, error) {
	sa, err := treeSums(a)
	if err != nil {
		return false, err
	}
	sb, err := treeSums(b)
	if err != nil {
		return false, err
	}
	if len(sa) != len(sb) {
		return false, nil
	}
	for k, v := range sa {
		if sb[k] != v {
			return false, nil
		}
	}
	return true, nil
}

func treeSums(root string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil || !de.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		h := sha1.Sum(data)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("demo: compare trees: %w", err)
	}
	return out, nil
}
