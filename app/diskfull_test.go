package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// mountTmpfs mounts a tmpfs of size (mount's size=, e.g. "8m") on a new
// folder, or skips the test where that is not possible (not root, no
// mount).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (CI runs it as root)")
	}
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// resizeTmpfs changes the size of a tmpfs mounted by mountTmpfs.
func resizeTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s size=%s: %v: %s", dir, size, err, out)
	}
}

// syncBuffer is a log destination tests read while the node writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeStartsWith500MBFree is issue 12 finding 6: with the data folder
// on a 500 MB disk, a node (embedded NATS) starts and says at start what
// its streams reserve.
func TestServeStartsWith500MBFree(t *testing.T) {
	dir := mountTmpfs(t, "500m")
	var logs syncBuffer
	cfg := testConfig(t, dir, nil)
	a, err := New(context.Background(), Options{Config: cfg, NoConsole: true, PluginBuilder: builder, PluginCacheDir: pluginCache,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Queue: queue.Options{AckWait: 2 * time.Second, LeaseTTL: time.Second}})
	if err != nil {
		t.Fatalf("a node on a 500 MB disk did not start: %v", err)
	}
	defer a.Close()
	if out := logs.String(); !strings.Contains(out, "reserve") || !strings.Contains(out, "nats.logs_max_bytes") {
		t.Fatalf("no start-up line saying what the streams reserve:\n%s", out)
	}
}

// TestDiskFullBackupFailsFastThenSucceeds is issue 12 finding 6: a backup
// into a local drive on a small full disk fails at once with a disk-full
// error (no retries, the run ends), and once there is space again the next
// backup completes.
func TestDiskFullBackupFailsFastThenSucceeds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the backup plugin")
	}
	disk := mountTmpfs(t, "4m")
	src := t.TempDir()
	body := bytes.Repeat([]byte("0123456789abcdef"), 256<<10/16) // 256 KiB
	const files = 40                                             // 10 MiB
	for i := 0; i < files; i++ {
		b := append([]byte(fmt.Sprintf("file %d\n", i)), body...)
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d.bin", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load("", []string{}, map[string]any{
		"data_dir": t.TempDir(), "node_name": "t1", "nats.listen": "127.0.0.1:-1",
		"accounts.a.type": "local", "accounts.a.dir": disk, "default_account": "a",
		"plugins.enabled.backup.account": "a",
		"plugins.enabled.backup.config":  map[string]any{"source": src, "target": "/Backup", "parallel": 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, cfg, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runOnce := func() *runner.RunRecord {
		rec, err := n.Service.Trigger(ctx, "backup", "backup", nil, "")
		if err != nil {
			t.Fatal(err)
		}
		for {
			r, err := n.Service.GetRun(ctx, rec.ID)
			if err == nil && final(r.Status) {
				return r
			}
			if ctx.Err() != nil {
				t.Fatalf("run %s did not end: %+v", rec.ID, r)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	full := runOnce()
	if full.Status != runner.StatusFailed || full.Attempt != 1 || !strings.Contains(full.Error, "disk full") {
		t.Fatalf("backup onto a full disk ended %s after %d attempt(s) with %q; want failed at once with a disk-full error", full.Status, full.Attempt, full.Error)
	}
	t.Logf("full disk: %s", full.Error)

	resizeTmpfs(t, disk, "64m")
	ok := runOnce()
	if ok.Status != runner.StatusSucceeded {
		t.Fatalf("backup after space returned: %+v", ok)
	}
	d, err := n.Drives.Get("a")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < files; i++ {
		p := fmt.Sprintf("/Backup/f%02d.bin", i)
		if f, err := d.GetByPath(ctx, p); err != nil || f.Size != int64(len(body)+len(fmt.Sprintf("file %d\n", i))) {
			t.Fatalf("%s after the second backup: %+v, %v", p, f, err)
		}
	}
}
