package local

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestOpenMarkerLiveness is issue 12 finding 7: a drive folder's open
// marker must read as stale once its process is gone, even when the dead
// process is an unreaped zombie or its PID now belongs to another process,
// and as live while a Drive holds it.
func TestOpenMarkerLiveness(t *testing.T) {
	dir := t.TempDir()
	stale := func(m string) bool { return slices.Contains(staleMarkers(dir), m) }

	// A Drive of this process holds its marker.
	d, err := Open(filepath.Join(dir, "d"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if held := staleMarkers(d.dir); len(held) != 0 {
		t.Errorf("an open Drive's marker reads stale: %v", held)
	}
	m := d.marker
	d.Close()
	if _, err := os.Stat(m); !os.IsNotExist(err) {
		t.Errorf("Close left the marker %s", m)
	}

	// PID reuse: a marker named after a live PID (ours) that nobody holds.
	reused := filepath.Join(dir, "open-"+itoa(os.Getpid())+"-reused")
	if err := os.WriteFile(reused, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !stale(reused) {
		t.Errorf("a marker whose PID was reused by a live process reads live")
	}

	// A process that held its marker and was killed: stale at once, before
	// anyone reaps it (the zombie still answers kill(pid, 0)).
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skipf("flock(1) from util-linux is needed for the kill -9 case: %v", err)
	}
	child := exec.Command(flock, "-s", "-o", filepath.Join(dir, "child"), "sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	killed := filepath.Join(dir, "open-"+itoa(child.Process.Pid)+"-child")
	deadline := time.Now().Add(30 * time.Second)
	for { // flock(1) locks "child"; give the marker name to the same inode
		if _, err := os.Stat(filepath.Join(dir, "child")); err == nil && markerHeld(filepath.Join(dir, "child")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("flock(1) did not take its lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := os.Link(filepath.Join(dir, "child"), killed); err != nil {
		t.Fatal(err)
	}
	if stale(killed) {
		t.Fatal("a marker held by a running process reads stale")
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for markerHeld(killed) { // the kernel drops the lock as the process exits
		if time.Now().After(deadline) {
			t.Fatal("the killed process's lock is still held")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !stale(killed) {
		t.Errorf("the marker of a killed, unreaped process reads live")
	}
	child.Wait()
}

func itoa(n int) string { return strconv.Itoa(n) }
