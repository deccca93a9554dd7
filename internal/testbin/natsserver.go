package testbin

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// NATSProcess is an external nats-server started by StartNATS.
type NATSProcess struct {
	URL string    // nats://127.0.0.1:PORT
	Cmd *exec.Cmd // the running process: kill it to simulate an outage
}

// StartNATS runs nats-server (skipping t when it is absent) with JetStream
// on a free loopback port and its store in a temp folder, waits until it
// accepts connections, and kills it when t ends.
func StartNATS(t testing.TB) *NATSProcess {
	t.Helper()
	bin := Look(t, "nats-server", NATSServer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-js", "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-sd", filepath.Join(t.TempDir(), "js"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return &NATSProcess{URL: "nats://" + addr, Cmd: cmd}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not start on %s", addr)
		}
	}
}
