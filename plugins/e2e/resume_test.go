package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/runner"
)

// hangingPrinter is the crash child's sink in the resume test: it prints
// progress like progressPrinter and, at the first byte report past at with
// bytes still to send, prints "hang" and holds the upload there (a host
// upload reports from its own goroutine) until the parent kills the
// process: a kill in the middle of a file, at a known point.
type hangingPrinter struct {
	progressPrinter
	at int64
}

func (p *hangingPrinter) Progress(pr runner.Progress) {
	p.progressPrinter.Progress(pr)
	if pr.Unit == "bytes" && pr.Done >= p.at && pr.Done < pr.Total {
		fmt.Println("hang")
		time.Sleep(time.Hour) // a sleeping goroutine, unlike select{}, is no deadlock
	}
}

// childSink is the crash child's sink: E2E_HANG_BYTES selects hangingPrinter.
func childSink() runner.RunSink {
	if at, err := strconv.ParseInt(os.Getenv("E2E_HANG_BYTES"), 10, 64); err == nil {
		return &hangingPrinter{at: at}
	}
	return &progressPrinter{}
}

// resumeSummary adds the transfer figures to backupSummary.
type resumeSummary struct {
	backupSummary
	BytesSent int64 `json:"bytes_sent"`
	Resumed   int   `json:"resumed"`
}

// TestBackupResumesKilledUpload kills a backup (SIGKILL, in a child
// process) in the middle of a multipart upload and checks that the next
// run continues that file's session instead of sending it again.
func TestBackupResumesKilledUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	src, driveDir, kvDir := t.TempDir(), t.TempDir(), t.TempDir()
	const part = 256 << 10
	big := Content(77, 12<<20+12345) // 49 parts
	WriteFile(t, filepath.Join(src, "a-big.bin"), big)
	for i := range 3 {
		WriteFile(t, filepath.Join(src, fmt.Sprintf("z-small-%d", i), "f.txt"), Content(i, 100))
	}
	cfg := map[string]any{"part_size": part, "parallel": 2}
	conf, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Build the plugins before the child so its run starts at once.
	warm := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": {"source": src, "target": "/x"}})
	warm.Close()

	const hangAt = 4 << 20
	killChildAt(t, []string{"E2E_DRIVE=" + driveDir, "E2E_KV=" + kvDir, "E2E_SRC=" + src,
		"E2E_CONFIG=" + string(conf), "E2E_HANG_BYTES=" + strconv.Itoa(hangAt)},
		"4 MiB sent mid-upload", func(line string) bool { return line == "hang" })

	d, err := local.Open(driveDir, local.Options{})
	if err != nil {
		t.Fatalf("reopen the drive after the crash: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if saved := sessionKeys(t, kvDir); len(saved) != 1 {
		t.Fatalf("the killed run left %d saved upload sessions, want the big file's: %v", len(saved), saved)
	}
	e := NewTestEnv(t, d, kvDir, map[string]map[string]any{"backup": backupConfig(src, "/Backup/crash", cfg)})
	var s resumeSummary
	e.MustCall("backup", "backup", nil, &s)
	if s.Status != "ok" || s.Files != 4 {
		t.Fatalf("backup after the crash: %+v", s)
	}
	if s.Resumed != 1 || s.BytesSent > int64(len(big))-hangAt+300 {
		t.Fatalf("the killed upload was not resumed: %d resumed, %d bytes sent for a %d-byte file of which %d were sent before the kill",
			s.Resumed, s.BytesSent, len(big), hangAt)
	}
	t.Logf("after the kill: %d bytes sent for a %d-byte file", s.BytesSent, len(big))
	if saved := sessionKeys(t, kvDir); len(saved) != 0 {
		t.Fatalf("saved upload sessions outlived the uploads: %v", saved)
	}
	names := DriveNames(t, d, "/Backup/crash") // fails on duplicate names
	if len(names) != 4 {
		t.Fatalf("drive holds %v, want 4 files", names)
	}
	dest := t.TempDir()
	e.MustCall("backup", "restore", map[string]any{"dest": dest}, nil)
	SameTree(t, src, dest)
}

// sessionKeys lists the host's saved upload sessions in a KV folder.
func sessionKeys(t *testing.T, kvDir string) []string {
	t.Helper()
	keys, err := (&FileKV{dir: kvDir}).List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		if strings.Contains(k, "_wd/upload/") {
			out = append(out, k)
		}
	}
	return out
}
