package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/runner"
)

// The crash test runs a backup in a child process (this test binary with
// E2E_CRASH_CHILD set), kills it with SIGKILL once it reports progress,
// and finishes the backup in the parent with the same drive and KV.

func TestMain(m *testing.M) {
	if os.Getenv("E2E_CRASH_CHILD") != "" {
		if err := crashChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// progressPrinter tells the parent how far the child got.
type progressPrinter struct{ Sink }

func (p *progressPrinter) Progress(pr runner.Progress) {
	fmt.Printf("progress %d/%d %s %s\n", pr.Done, pr.Total, pr.Unit, pr.Note)
}

func crashChild() error {
	d, err := local.Open(os.Getenv("E2E_DRIVE"), local.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	cfg := map[string]any{"source": os.Getenv("E2E_SRC"), "target": "/Backup/crash", "checkpoint_files": 50}
	if extra := os.Getenv("E2E_CONFIG"); extra != "" {
		if err := json.Unmarshal([]byte(extra), &cfg); err != nil {
			return fmt.Errorf("E2E_CONFIG: %w", err)
		}
	}
	e, err := NewEnv(d, os.Getenv("E2E_KV"), map[string]map[string]any{"backup": cfg})
	if err != nil {
		return err
	}
	defer e.Close()
	fmt.Println("started")
	return e.CallSink("backup", "backup", nil, nil, childSink())
}

func TestBackupCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	src, driveDir, kvDir := t.TempDir(), t.TempDir(), t.TempDir()
	const n = 600
	for i := 0; i < n; i++ {
		WriteFile(t, filepath.Join(src, fmt.Sprintf("d%d/f%04d", i%7, i)), Content(i, 2000+i*13))
	}
	// Build the plugins before the child so its run starts at once.
	warm := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": {"source": src, "target": "/x"}})
	warm.Close()

	at := killChildAt(t, []string{"E2E_DRIVE=" + driveDir, "E2E_KV=" + kvDir, "E2E_SRC=" + src}, "progress past 150 files", func(line string) bool {
		var bytes, bytesTotal, done, total int
		_, err := fmt.Sscanf(line, "progress %d/%d bytes %d/%d files", &bytes, &bytesTotal, &done, &total)
		return err == nil && done >= 150
	})
	t.Logf("killed the child at %s", at)

	d, err := local.Open(driveDir, local.Options{})
	if err != nil {
		t.Fatalf("reopen the drive after the crash: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	e := NewTestEnv(t, d, kvDir, map[string]map[string]any{"backup": {"source": src, "target": "/Backup/crash"}})
	var s backupSummary
	e.MustCall("backup", "backup", nil, &s)
	if s.Status != "ok" || s.Files != n {
		t.Fatalf("resumed backup: %+v", s)
	}
	if s.Uploaded >= n {
		t.Fatalf("resumed backup uploaded all %d files again: the checkpoints were lost", s.Uploaded)
	}
	t.Logf("resume uploaded %d files (%d rapid)", s.Uploaded, s.Rapid)
	names := DriveNames(t, d, "/Backup/crash") // fails on duplicate names
	if len(names) != n {
		t.Fatalf("drive holds %d files, want %d", len(names), n)
	}
	var v verifySummary
	e.MustCall("backup", "verify", nil, &v)
	if v.Status != "ok" || v.OK != n {
		t.Fatalf("verify: %+v", v)
	}
	dest := t.TempDir()
	e.MustCall("backup", "restore", map[string]any{"dest": dest}, nil)
	SameTree(t, src, dest)
}

// killChildAt runs the crash child (TestMain's E2E_CRASH_CHILD mode) with
// env added and kills it at the first stdout line for which at is true,
// returning that line. It fails the test when the child ends first or
// prints no such line within 2 minutes (what names the awaited moment).
func killChildAt(t *testing.T, env []string, what string, at func(line string) bool) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "E2E_CRASH_CHILD=1"), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if at(sc.Text()) {
				cmd.Process.Kill()
				killed <- sc.Text()
				return
			}
		}
		killed <- ""
	}()
	var line string
	select {
	case line = <-killed:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("child: no %s in 2 minutes", what)
	}
	cmd.Wait()
	if line == "" {
		t.Fatalf("child ended before %s:\n%s", what, stderr.String())
	}
	return line
}
