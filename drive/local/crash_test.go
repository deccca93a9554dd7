package local

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand2 "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// crashDirEnv switches TestCrashChild on: it then works on that folder
// until it is killed.
const crashDirEnv = "WASMDRIVE_CRASH_CHILD_DIR"

// TestCrashChild is the child process of TestCrashDurability: it uploads,
// copies, moves, trashes and deletes in a loop and never returns.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashDurability")
	}
	d, err := Open(dir, Options{})
	if err != nil {
		fmt.Println("open failed:", err)
		os.Exit(3)
	}
	ctx := context.Background()
	folder, err := d.MkdirAll(ctx, "/work")
	if err != nil {
		fmt.Println("mkdir failed:", err)
		os.Exit(3)
	}
	fmt.Println("ready")
	for i := 0; ; i++ {
		content := make([]byte, 1+mrand(600<<10))
		rand.Read(content)
		res, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: folder.FileID, Name: fmt.Sprintf("f%d.bin", i%50),
			Size: int64(len(content)), Content: bytes.NewReader(content), PartSize: 64 << 10, CheckNameMode: drive.NameOverwrite})
		if err != nil {
			fmt.Println("upload failed:", err)
			os.Exit(3)
		}
		reqs := []drive.BatchRequest{
			{Op: drive.OpCopy, FileID: res.File.FileID, ToParentID: drive.RootID},
			{Op: drive.OpMove, FileID: res.File.FileID, ToParentID: folder.FileID, NewName: fmt.Sprintf("m%d.bin", i)},
			{Op: drive.OpTrash, FileID: "missing"},
		}
		if l, err := d.List(ctx, drive.ListOptions{ParentFileID: drive.RootID, Limit: 5}); err == nil && len(l.Items) > 3 {
			for _, f := range l.Items[1:] {
				if !f.IsFolder() {
					reqs = append(reqs, drive.BatchRequest{Op: drive.OpDelete, FileID: f.FileID})
				}
			}
		}
		if _, err := d.Batch(ctx, reqs, drive.BatchOptions{}); err != nil {
			fmt.Println("batch failed:", err)
			os.Exit(3)
		}
	}
}

func mrand(n int) int { return mrand2.IntN(n) }

// TestCrashDurability kills the child with SIGKILL at random points,
// reopens the drive and checks that metadata and blobs agree.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	for iter := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		ready := false
		for sc.Scan() {
			if strings.Contains(sc.Text(), "ready") {
				ready = true
				break
			}
			t.Logf("child: %s", sc.Text())
		}
		if !ready {
			cmd.Wait()
			t.Fatalf("iteration %d: the child did not start", iter)
		}
		go func() { // drain, so the child never blocks on a full pipe
			for sc.Scan() {
				if s := sc.Text(); strings.Contains(s, "failed") {
					t.Errorf("child: %s", s)
				}
			}
		}()
		time.Sleep(time.Duration(100+mrand2.IntN(400)) * time.Millisecond)
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
		checkConsistent(t, dir, iter)
	}
}

// checkConsistent reopens the drive and verifies it.
func checkConsistent(t *testing.T, dir string, iter int) {
	t.Helper()
	ctx := context.Background()
	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("iteration %d: reopen after kill -9: %v", iter, err)
	}
	defer d.Close()
	if s, err := d.IntegrityCheck(ctx); err != nil || s != "ok" {
		t.Fatalf("iteration %d: integrity_check = %q, %v", iter, s, err)
	}
	rows, err := d.r.QueryContext(ctx, `SELECT id, sha1, size FROM files WHERE type = 'file' AND status = 'available'`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id, sum string
		var size int64
		if err := rows.Scan(&id, &sum, &size); err != nil {
			t.Fatal(err)
		}
		got, gotSize, err := hashFile(d.blobs.path(sum))
		if err != nil || got != sum || gotSize != size {
			t.Fatalf("iteration %d: file %s: blob %s has hash %s size %d (want size %d): %v", iter, id, sum, got, gotSize, size, err)
		}
		n++
	}
	rows.Close()
	// No unfinished upload in any listing.
	var visible int
	d.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM files WHERE status = 'uploading' AND `+liveCond).Scan(&visible)
	if visible != 0 {
		t.Fatalf("iteration %d: %d uploading files pass the listing filter", iter, visible)
	}
	for _, folder := range []string{"/", "/work"} {
		f, err := d.GetByPath(ctx, folder)
		if err != nil {
			continue
		}
		res, err := d.List(ctx, drive.ListOptions{ParentFileID: f.FileID, Limit: MaxLocalListLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			if it.Status != "available" {
				t.Fatalf("iteration %d: listing shows %s with status %s", iter, it.Name, it.Status)
			}
		}
	}
	// Every blob on disk is known, and every known blob is on disk.
	known := map[string]bool{}
	r2, _ := d.r.QueryContext(ctx, `SELECT sha1 FROM blobs`)
	all, _ := scanStrings(r2)
	for _, s := range all {
		known[strings.ToLower(s)] = true
		if _, err := os.Stat(d.blobs.path(s)); err != nil {
			t.Fatalf("iteration %d: blob row %s without a file", iter, s)
		}
	}
	filepath.WalkDir(d.blobs.root, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && !known[e.Name()] {
			t.Fatalf("iteration %d: orphan blob %s survived open", iter, p)
		}
		return nil
	})
	t.Logf("iteration %d: %d files consistent", iter, n)
}

// TestOpenDropsBrokenUploads checks the open-time cleanup: a session whose
// data file vanished after parts were recorded, and a stale session, are
// dropped with their files; a healthy session survives.
func TestOpenDropsBrokenUploads(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := func(name string) *CreateFileResult {
		res, err := d.CreateFile(ctx, CreateFileRequest{ParentFileID: drive.RootID, Name: name, Size: 20, PartSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.WritePart(ctx, res.UploadID, 1, strings.NewReader("0123456789"), 10); err != nil {
			t.Fatal(err)
		}
		return res
	}
	broken, stale, healthy := start("broken"), start("stale"), start("healthy")
	os.Remove(d.sessionPath(broken.UploadID))
	if _, err := d.w.ExecContext(ctx, `UPDATE uploads SET created_at = ? WHERE upload_id = ?`, nanos(time.Now().Add(-DefaultSessionTTL-time.Hour)), stale.UploadID); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-DefaultSessionTTL - time.Hour)
	os.Chtimes(d.sessionPath(stale.UploadID), old, old)
	os.WriteFile(filepath.Join(dir, "uploads", "stray.data"), []byte("x"), 0o644)
	d.Close()
	if d, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, r := range []*CreateFileResult{broken, stale} {
		if _, err := d.Get(ctx, r.File.FileID); !errors.Is(err, drive.ErrNotFound) {
			t.Errorf("%s: file of a dropped upload still exists: %v", r.File.Name, err)
		}
	}
	if _, err := d.UploadedParts(ctx, healthy.UploadID); err != nil {
		t.Fatalf("healthy upload lost: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "uploads", "stray.data")); !os.IsNotExist(err) {
		t.Fatal("a data file without a session survived open")
	}
}

// hashFile returns the upper-case SHA-1 and the size of the file at p.
func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha1.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), n, nil
}

// TestUncleanOpenVerifiesParts simulates a power loss that kept a part's
// record but not its bytes: the next open forgets the part, and the upload
// completes with the right content once the part is sent again.
func TestUncleanOpenVerifiesParts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("0123456789abcdefghij")
	res, err := d.CreateFile(ctx, CreateFileRequest{ParentFileID: drive.RootID, Name: "p.bin", Size: 20, PartSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	for p := 1; p <= 2; p++ {
		if _, err := d.WritePart(ctx, res.UploadID, p, bytes.NewReader(content[(p-1)*10:p*10]), 10); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	// The crash: the marker stays, and part 2's bytes never reached the disk.
	os.WriteFile(filepath.Join(dir, "open-999999999-dead"), nil, 0o644)
	f, _ := os.OpenFile(filepath.Join(dir, "uploads", res.UploadID+".data"), os.O_RDWR, 0)
	f.WriteAt(make([]byte, 10), 10)
	f.Close()
	if d, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	parts, err := d.UploadedParts(ctx, res.UploadID)
	if err != nil || len(parts) != 1 || parts[0].PartNumber != 1 {
		t.Fatalf("parts after an unclean open = %+v, %v; want only part 1", parts, err)
	}
	if _, err := d.WritePart(ctx, res.UploadID, 2, bytes.NewReader(content[10:]), 10); err != nil {
		t.Fatal(err)
	}
	got, err := d.Complete(ctx, res.File.FileID, res.UploadID)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%X", sha1.Sum(content)); got.ContentHash != want {
		t.Fatalf("hash %s, want %s", got.ContentHash, want)
	}
}
