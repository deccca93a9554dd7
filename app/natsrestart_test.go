package app

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/internal/testbin"
	"github.com/wasmdrive/wasmdrive/runner"
)

// natsProc is an external nats-server on a fixed loopback port and store
// folder, so a test can kill it and start it again in the same place.
type natsProc struct {
	t     *testing.T
	bin   string
	port  int
	store string
	cmd   *exec.Cmd
}

func newNATSProc(t *testing.T) *natsProc {
	t.Helper()
	p := &natsProc{t: t, bin: testbin.Look(t, "nats-server", testbin.NATSServer), store: filepath.Join(t.TempDir(), "js")}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	p.start()
	t.Cleanup(p.kill)
	return p
}

func (p *natsProc) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", p.port) }

func (p *natsProc) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, "-js", "-a", "127.0.0.1", "-p", strconv.Itoa(p.port), "-sd", p.store)
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	waitFor(p.t, "nats-server accepting connections", func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// freeze stops the server process (SIGSTOP): what was sent to it is lost
// when it is then killed.
func (p *natsProc) freeze() { _ = p.cmd.Process.Signal(syscall.SIGSTOP) }

// kill stops the server with SIGKILL (no clean shutdown).
func (p *natsProc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		p.cmd = nil
	}
}

// backupTree writes n small files under a new folder.
func backupTree(t *testing.T, n int) string {
	t.Helper()
	src := t.TempDir()
	body := []byte(strings.Repeat("wasmdrive backup test data\n", 300))
	for i := 0; i < n; i++ {
		dir := filepath.Join(src, fmt.Sprintf("d%02d", i%10))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d.txt", i)), append(body, strconv.Itoa(i)...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

// TestBackupRunEndsAfterNATSRestart is issue 12 finding 3: an external
// nats-server is killed (SIGKILL) in the middle of a backup run of the
// built-in backup plugin and started again on the same port and store. The
// run must end (succeeded after a retry, or failed as transient), not stay
// "running" on a NATS call lost in the outage.
func TestBackupRunEndsAfterNATSRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the backup plugin and restarts a nats-server")
	}
	srv := newNATSProc(t)
	src := backupTree(t, 400)
	cfg, err := config.Load("", []string{}, map[string]any{
		"data_dir": t.TempDir(), "node_name": "t1", "nats.url": srv.url(),
		"accounts.a.type": "local", "default_account": "a",
		"plugins.enabled.backup.account": "a",
		"plugins.enabled.backup.config":  map[string]any{"source": src, "target": "/Backup", "parallel": 1, "checkpoint_files": 20},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, cfg, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rec, err := n.Service.Trigger(ctx, "backup", "backup", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	get := func() *runner.RunRecord {
		cctx, c := context.WithTimeout(ctx, 2*time.Second)
		defer c()
		r, err := n.Service.GetRun(cctx, rec.ID)
		if err != nil {
			return nil
		}
		return r
	}
	for {
		r := get()
		if r != nil && r.Status == runner.StatusRunning && r.Progress != nil && r.Progress.Total > 0 && r.Progress.Done >= r.Progress.Total/10 {
			t.Logf("freezing nats-server at %d/%d %s", r.Progress.Done, r.Progress.Total, r.Progress.Unit)
			break
		}
		if r != nil && final(r.Status) {
			t.Fatalf("run ended before the outage: %+v (make the backup bigger)", r)
		}
		if ctx.Err() != nil {
			t.Fatalf("the run did not get going: %+v", r)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Frozen long enough for the run to block on a NATS call (its next
	// manifest checkpoint comes within 5 s, its final one at the latest),
	// then killed: that call's request or reply is lost.
	srv.freeze()
	time.Sleep(8 * time.Second)
	srv.kill()
	time.Sleep(time.Second)
	srv.start()
	t.Log("nats-server restarted")

	var last *runner.RunRecord
	for ctx.Err() == nil {
		if r := get(); r != nil {
			last = r
			if final(r.Status) {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	switch {
	case last == nil || !final(last.Status):
		t.Fatalf("2 minutes after the NATS restart the run is still %+v; want it ended", last)
	case last.Status == runner.StatusSucceeded:
		t.Logf("run succeeded after %d attempt(s)", last.Attempt)
	case last.Status == runner.StatusDead || last.Status == runner.StatusFailed:
		if !strings.Contains(last.Error, "unavailable") && !strings.Contains(last.Error, "NATS") {
			t.Fatalf("run ended %s with %q; want a transient NATS error", last.Status, last.Error)
		}
	default:
		t.Fatalf("run ended %+v", last)
	}
}

// final reports whether a run status is an end state.
func final(s string) bool {
	switch s {
	case runner.StatusSucceeded, runner.StatusFailed, runner.StatusDead, runner.StatusCancelled:
		return true
	}
	return false
}
