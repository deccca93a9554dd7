package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
)

// TestDataDirIsPrivate runs the demo and the commands its hint prints on a
// fresh data folder under the usual umask 022 (serve included, with a run
// through the queue and its logs), then walks every file and
// folder in it: none may be readable, writable or searchable by the group
// or others (the drive's metadata holds share passwords, its blobs the
// user's files).
func TestDataDirIsPrivate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the built-in plugins")
	}
	old := syscall.Umask(0o022) // a stricter umask would hide the modes asked for
	t.Cleanup(func() { syscall.Umask(old) })
	data := filepath.Join(t.TempDir(), "data")
	mustWD(t, data, "demo")
	demoDir := filepath.Join(data, "demo")
	mustWD(t, demoDir, "drive", "tree", "/")
	mustWD(t, demoDir, "run", "backup")
	src := filepath.Join(t.TempDir(), "put.txt")
	if err := os.WriteFile(src, []byte("put me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustWD(t, data, "drive", "put", src, "/up")
	mustWD(t, data, "drive", "share", "--password", "abcd", "/up/put.txt")
	mustWD(t, data, "doctor")
	serveAndRun(t, demoDir)

	var open []string
	err := filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			open = append(open, fi.Mode().Perm().String()+" "+strings.TrimPrefix(p, data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) > 0 {
		if len(open) > 40 {
			open = append(open[:40], "…")
		}
		t.Errorf("%d entries of the data folder are open to the group or others:\n%s", len(open), strings.Join(open, "\n"))
	}
}

// serveAndRun serves data (the demo's folder) as `wasmdrive serve` does,
// runs the backup through the queue, reads its logs and stops the node:
// NATS's store, the run records and logs, serve.json and the token are
// then in the folder.
func serveAndRun(t *testing.T, data string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	env := &cliEnv{Stdout: &out, Stderr: &errOut, DataDir: data}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, env, []string{"--console", "127.0.0.1:0", "--grace", "1s"}) }()
	for !strings.Contains(errOut.String(), "Ctrl-C stops") {
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s", err, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	id := strings.TrimSpace(mustWD(t, data, "trigger", "backup"))
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var rec runner.RunRecord
		if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "runs", "show", id)), &rec); err != nil {
			t.Fatal(err)
		}
		if isFinal(rec.Status) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s did not end: %+v", id, rec)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mustWD(t, data, "runs", "logs", id)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, errOut.String())
	}
}
