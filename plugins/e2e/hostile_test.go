package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
)

// vanishSink deletes a folder the first time the plugin reports progress,
// so files listed by the scan disappear before they are uploaded.
type vanishSink struct {
	Sink
	once sync.Once
	dir  string
}

func (v *vanishSink) Progress(p runner.Progress) {
	v.once.Do(func() { os.RemoveAll(v.dir) })
	v.Sink.Progress(p)
}

func TestBackupHostileTree(t *testing.T) {
	src := t.TempDir()
	odd := []string{
		"e\u0301-nfd.txt", "é-nfc.txt", "emoji-😀.txt", "rtl-\u202eevil.txt", "zwj-👩\u200d💻.txt",
		"trailing space .txt", "-leading-dash", "CON", "semi;colon,comma.txt", "line\nbreak.txt",
		strings.Repeat("long", 50) + ".txt",
	}
	for i, name := range odd {
		WriteFile(t, filepath.Join(src, "odd", name), Content(100+i, 100+i))
	}
	deep := filepath.Join(src, strings.Repeat("level/", 100), "deep.txt")
	WriteFile(t, deep, []byte("deep"))
	WriteFile(t, filepath.Join(src, "zero"), nil)
	WriteFile(t, filepath.Join(src, "big.bin"), Content(7, 31<<20)) // > 3 parts of 10 MiB
	for i := 0; i < 120; i++ {
		WriteFile(t, filepath.Join(src, "many", strings.Repeat("x", i%7)+string(rune('a'+i%26))+"-"+itoa(i)), Content(i, 10))
	}
	for i := 0; i < 30; i++ {
		WriteFile(t, filepath.Join(src, "zz-vanish", itoa(i)), Content(i, 20))
	}
	root := os.Geteuid() == 0
	if !root {
		WriteFile(t, filepath.Join(src, "locked.txt"), []byte("secret"))
		os.Chmod(filepath.Join(src, "locked.txt"), 0)
		t.Cleanup(func() { os.Chmod(filepath.Join(src, "locked.txt"), 0o644) })
	}

	e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/Backup/h", map[string]any{"deletion": "mirror"})})
	s := &vanishSink{dir: filepath.Join(src, "zz-vanish")}
	var sum backupSummary
	if err := e.CallSink("backup", "backup", nil, &sum, s); err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	for _, fe := range sum.Errors {
		failed[fe.Path] = true
	}
	vanished := 0
	for p := range failed {
		if strings.HasPrefix(p, "zz-vanish/") {
			vanished++
		}
	}
	if vanished == 0 {
		t.Errorf("no upload of a vanished file was reported: %+v", sum.Errors)
	}
	if !root && !failed["locked.txt"] {
		t.Errorf("unreadable file not reported: %+v", sum.Errors)
	}
	if sum.Status != "partial" {
		t.Errorf("status %q with %d errors", sum.Status, len(sum.Errors))
	}
	for p := range failed {
		if !strings.HasPrefix(p, "zz-vanish/") && p != "locked.txt" && !strings.Contains(p, "\n") {
			t.Errorf("unexpected failure %s", p)
		}
	}
	// Everything not reported restores byte for byte.
	dest := t.TempDir()
	var r restoreSummary
	e.MustCall("backup", "restore", map[string]any{"dest": dest}, &r)
	if r.Status != "ok" {
		t.Fatalf("restore: %+v", r)
	}
	want := t.TempDir()
	for rel := range TreeSums(t, src) {
		if failed[rel] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, rel))
		if err != nil {
			t.Fatal(err)
		}
		WriteFile(t, filepath.Join(want, rel), b)
	}
	SameTree(t, want, dest)
	// A rerun sends nothing that already went, and does not abort either.
	var again backupSummary
	e.MustCall("backup", "backup", nil, &again)
	if again.Uploaded > len(failed) {
		t.Fatalf("rerun uploaded %d files, at most %d failed before: %+v", again.Uploaded, len(failed), again)
	}
	if !root {
		// An unreadable folder is not a deleted one, even when mirroring.
		os.Chmod(filepath.Join(src, "many"), 0)
		t.Cleanup(func() { os.Chmod(filepath.Join(src, "many"), 0o755) })
		var s3 backupSummary
		e.MustCall("backup", "backup", nil, &s3)
		if s3.Removed != 0 {
			t.Fatalf("files under an unreadable folder were removed: %+v", s3)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
