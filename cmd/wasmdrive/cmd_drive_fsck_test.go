package main

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive/local"
)

// driveDir is the folder of the default local account under data.
func driveDir(t *testing.T, data string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(data, "drives", "*", "meta.db"))
	if len(m) != 1 {
		t.Fatalf("want one local drive under %s, found %v", data, m)
	}
	return filepath.Dir(m[0])
}

// blobFiles lists the blob files of the drive in dir (sorted names).
func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			out = append(out, e.Name())
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// TestDriveFsckAfterLostMeta is the data-loss report of issue 12: with
// meta.db deleted or emptied and blobs present, no drive command may
// delete a blob or pretend the drive is empty (they exit with
// exitNeedsFsck and name `drive fsck`), and drive fsck restores every
// file byte for byte: under its name from the metadata snapshot when there
// is one, else into /lost+found by hash.
func TestDriveFsckAfterLostMeta(t *testing.T) {
	for _, c := range []struct {
		damage   string
		snapshot bool
	}{{"missing", false}, {"empty", false}, {"missing", true}, {"empty", true}} {
		t.Run(fmt.Sprintf("%s,snapshot=%v", c.damage, c.snapshot), func(t *testing.T) {
			data, src := t.TempDir(), t.TempDir()
			big := make([]byte, 300<<10)
			rand.NewChaCha8([32]byte{7}).Read(big)
			contents := map[string]string{"a.txt": "alpha\n", "b.bin": string(big), "sub/c.txt": strings.Repeat("c", 5000)}
			bySum := map[string]string{}
			for p, content := range contents {
				full := filepath.Join(src, "proj", filepath.FromSlash(p))
				os.MkdirAll(filepath.Dir(full), 0o755)
				if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				bySum[fmt.Sprintf("%X", sha1.Sum([]byte(content)))] = content
			}
			mustWD(t, data, "drive", "put", filepath.Join(src, "proj"), "/backup")
			dir := driveDir(t, data)
			snap, err := os.ReadFile(filepath.Join(dir, "meta.snapshot.db"))
			if err != nil {
				t.Fatal(err)
			}
			// After this snapshot: one file more, and one deleted for good.
			later := filepath.Join(src, "later.txt")
			os.WriteFile(later, []byte("stored after the snapshot"), 0o644)
			bySum[fmt.Sprintf("%X", sha1.Sum([]byte("stored after the snapshot")))] = "stored after the snapshot"
			mustWD(t, data, "drive", "put", later, "/later")
			mustWD(t, data, "drive", "rm", "--permanent", "/backup/proj/sub/c.txt")
			before := blobFiles(t, dir)
			if len(before) != 3 {
				t.Fatalf("blobs: %v", before)
			}
			os.Remove(filepath.Join(dir, "meta.snapshot.db"))
			if c.snapshot {
				os.WriteFile(filepath.Join(dir, "meta.snapshot.db"), snap, 0o600)
			}
			for _, sfx := range []string{"-wal", "-shm"} {
				os.Remove(filepath.Join(dir, "meta.db"+sfx))
			}
			if c.damage == "missing" {
				os.Remove(filepath.Join(dir, "meta.db"))
			} else if err := os.Truncate(filepath.Join(dir, "meta.db"), 0); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"drive", "ls", "/"}, {"drive", "ls", "-l", "/backup"}, {"drive", "tree", "/"}, {"drive", "stat", "/backup"},
				{"drive", "usage"}, {"drive", "search", "a"}, {"drive", "mkdir", "/x"},
				{"drive", "put", filepath.Join(src, "proj", "a.txt"), "/again"},
			} {
				code, out, errs := wd(t, data, args...)
				if code != exitNeedsFsck || !strings.Contains(errs, "wasmdrive drive fsck") {
					t.Errorf("%s: exit %d (want %d), stdout %q, stderr %q", strings.Join(args, " "), code, exitNeedsFsck, out, errs)
				}
				if got := blobFiles(t, dir); strings.Join(got, ",") != strings.Join(before, ",") {
					t.Fatalf("%s deleted blobs: before %v, after %v", strings.Join(args, " "), before, got)
				}
			}
			code, out, errs := wd(t, data, "--json", "drive", "fsck")
			var rep local.FsckReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("fsck: exit %d, %v\n%s", code, err, errs)
			}
			if rep.Database != "missing" {
				t.Fatalf("fsck report: %+v", rep)
			}
			if c.snapshot {
				// c.txt was in the snapshot, its content is gone: listed, dropped.
				if code != exitFsckLeft || rep.Snapshot == nil || len(rep.Recovered) != 1 || len(rep.Missing) != 1 ||
					!rep.Missing[0].Dropped || rep.Missing[0].Files[0] != "/backup/proj/sub/c.txt" {
					t.Fatalf("fsck: exit %d, report %+v", code, rep)
				}
				for _, f := range []string{"a.txt", "b.bin"} {
					if got := mustWD(t, data, "drive", "get", "/backup/proj/"+f, "-"); got != contents[f] {
						t.Fatalf("%s: %d bytes, want %d", f, len(got), len(contents[f]))
					}
				}
				if out := mustWD(t, data, "drive", "ls", "/backup/proj"); out != "a.txt\nb.bin\nsub/\n" {
					t.Fatalf("ls after fsck: %q", out)
				}
			} else if code != 0 || rep.Snapshot != nil || len(rep.Recovered) != 3 || !rep.Clean() {
				t.Fatalf("fsck: exit %d, report %+v", code, rep)
			}
			for _, f := range rep.Recovered {
				want, ok := bySum[f.SHA1]
				if !ok {
					t.Fatalf("recovered unknown content %+v", f)
				}
				if got := mustWD(t, data, "drive", "get", f.Path, "-"); got != want {
					t.Fatalf("%s: %d bytes, want %d", f.Path, len(got), len(want))
				}
			}
			if got := blobFiles(t, dir); strings.Join(got, ",") != strings.Join(before, ",") {
				t.Fatalf("blobs after fsck: %v, want %v", got, before)
			}
			if !strings.Contains(mustWD(t, data, "drive", "usage"), "used 300") {
				t.Errorf("usage after fsck: %s", mustWD(t, data, "drive", "usage"))
			}
			// A second run finds nothing to do.
			out = mustWD(t, data, "drive", "fsck")
			if !strings.Contains(out, "metadata: ok") || !strings.Contains(out, "recovered 0 files") {
				t.Fatalf("second fsck: %s", out)
			}
		})
	}
}

// TestDriveFsckListsMissingContent: a file whose blob was deleted is
// listed by fsck (exit exitFsckLeft) with its path.
func TestDriveFsckListsMissingContent(t *testing.T) {
	data, src := t.TempDir(), t.TempDir()
	p := filepath.Join(src, "gone.txt")
	os.WriteFile(p, []byte("soon gone"), 0o644)
	mustWD(t, data, "drive", "put", p, "/docs")
	dir := driveDir(t, data)
	sum := fmt.Sprintf("%x", sha1.Sum([]byte("soon gone")))
	if err := os.Remove(filepath.Join(dir, "blobs", sum[:2], sum[2:4], sum)); err != nil {
		t.Fatal(err)
	}
	code, out, errs := wd(t, data, "drive", "fsck")
	if code != exitFsckLeft || !strings.Contains(errs, "missing: content "+strings.ToUpper(sum)) || !strings.Contains(errs, "/docs/gone.txt") {
		t.Fatalf("fsck: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestDrivePutRepairsDamagedBlob: `drive put` of content whose blob was
// deleted stores the bytes (it used to link the new file to nothing), and
// after `drive get` found a flipped byte, putting the file again repairs
// it.
func TestDrivePutRepairsDamagedBlob(t *testing.T) {
	data, src := t.TempDir(), t.TempDir()
	content := strings.Repeat("0123456789", 3000)
	p := filepath.Join(src, "f.txt")
	os.WriteFile(p, []byte(content), 0o644)
	mustWD(t, data, "drive", "put", p, "/d")
	sum := fmt.Sprintf("%x", sha1.Sum([]byte(content)))
	blob := filepath.Join(driveDir(t, data), "blobs", sum[:2], sum[2:4], sum)

	os.Remove(blob)
	if out := mustWD(t, data, "drive", "put", p, "/e"); !strings.Contains(out, "0 rapid") {
		t.Fatalf("put after the blob was deleted: %s", out)
	}
	for _, f := range []string{"/d/f.txt", "/e/f.txt"} {
		if got := mustWD(t, data, "drive", "get", f, "-"); got != content {
			t.Fatalf("get %s: %d bytes, want %d", f, len(got), len(content))
		}
	}

	b, _ := os.ReadFile(blob)
	b[100] ^= 1
	os.WriteFile(blob, b, 0o600)
	if code, _, errs := wd(t, data, "drive", "get", "/d/f.txt", filepath.Join(t.TempDir(), "x")); code == 0 || !strings.Contains(errs, "damaged") {
		t.Fatalf("get of a damaged blob: exit %d, %s", code, errs)
	}
	mustWD(t, data, "drive", "put", "--overwrite", p, "/d")
	for _, f := range []string{"/d/f.txt", "/e/f.txt"} {
		if got := mustWD(t, data, "drive", "get", f, "-"); got != content {
			t.Fatalf("get %s after the repair: %d bytes, want %d", f, len(got), len(content))
		}
	}
}

// TestDriveLsBinaryKeepsBlobs runs the built binary as the report did:
// `drive ls` on a drive whose meta.db was deleted exits 10 and keeps every
// blob; `drive fsck` then brings the file back.
func TestDriveLsBinaryKeepsBlobs(t *testing.T) {
	_, bin := installedBinary(t, "the drive ls binary test builds wasmdrive")
	data, src := t.TempDir(), t.TempDir()
	p := filepath.Join(src, "a.txt")
	os.WriteFile(p, []byte("alpha"), 0o644)
	run := func(args ...string) (int, string) {
		cmd := exec.Command(bin, append([]string{"--config", "", "--data", data}, args...)...)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := run("drive", "put", p, "/docs"); code != 0 {
		t.Fatalf("put: %d %s", code, out)
	}
	dir := driveDir(t, data)
	for _, f := range []string{"meta.db", "meta.db-wal", "meta.db-shm", "meta.snapshot.db"} {
		os.Remove(filepath.Join(dir, f))
	}
	before := blobFiles(t, dir)
	if code, out := run("drive", "ls", "/"); code != exitNeedsFsck || !strings.Contains(out, "wasmdrive drive fsck") {
		t.Fatalf("ls: exit %d, %s", code, out)
	}
	if got := blobFiles(t, dir); len(before) != 1 || strings.Join(got, ",") != strings.Join(before, ",") {
		t.Fatalf("blobs before %v, after ls %v", before, got)
	}
	if code, out := run("drive", "fsck"); code != 0 || !strings.Contains(out, "recovered 1 files") {
		t.Fatalf("fsck: exit %d, %s", code, out)
	}
}
