package app

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const lockChildEnv = "WASMDRIVE_APP_LOCK_CHILD"

// lockChild does what `wasmdrive serve` does to its data folder (the lock,
// then serve.json), says ready, and waits to be killed.
func lockChild(dir string) int {
	if _, err := LockServe(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := WriteServeInfo(dir, ServeInfo{PID: os.Getpid(), Node: "lock-child"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	select {}
}

// TestServeLivenessSurvivesKillAndPIDReuse: a serve killed with kill -9
// and not yet reaped (a zombie, whose PID kill(pid, 0) still finds) is seen
// as gone at once, so a restart is not refused (issue 12); a serve.json
// naming a live but unrelated process (a reused PID) is stale too; a live
// serve holds the folder.
func TestServeLivenessSurvivesKillAndPIDReuse(t *testing.T) {
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), lockChildEnv+"="+dir)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	reaped := false
	defer func() {
		if !reaped {
			_ = child.Process.Kill()
			_ = child.Wait()
		}
	}()
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("child: %q %v", line, err)
	}
	if si, ok := ReadServeInfo(dir); !ok || si.PID != child.Process.Pid {
		t.Fatalf("live serve not seen: %+v %v", si, ok)
	}
	if _, err := LockServe(dir); !errors.Is(err, ErrServeRunning) {
		t.Fatalf("second serve on a held folder: err = %v, want ErrServeRunning", err)
	}

	if err := syscall.Kill(child.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Not reaped: the child stays a zombie while the test runs on. The
	// kernel released its lock as it died; wait for that death only.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := ReadServeInfo(dir); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve killed with kill -9 (pid %d, a zombie until reaped) still looks alive", child.Process.Pid)
		}
	}
	l, err := LockServe(dir)
	if err != nil {
		t.Fatalf("restart after kill -9 refused: %v", err)
	}
	l.Close()
	_ = child.Wait()
	reaped = true

	// A PID that now belongs to an unrelated live process (here: this
	// test), with nobody holding the lock.
	if err := WriteServeInfo(dir, ServeInfo{PID: os.Getpid(), Node: "gone"}); err != nil {
		t.Fatal(err)
	}
	if si, ok := ReadServeInfo(dir); ok {
		t.Fatalf("serve.json of a reused PID reads as live: %+v", si)
	}
}
