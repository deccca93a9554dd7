package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestDrivePutResumesInterrupted: a put cut after three parts leaves its
// session in a 0600 state file; the next put of the same file resumes it
// and sends only the missing parts, and the file reads back whole.
func TestDrivePutResumesInterrupted(t *testing.T) {
	const part = 128 << 10
	data, src := t.TempDir(), t.TempDir()
	content := make([]byte, 8*part+1000)
	rand.NewChaCha8([32]byte{3}).Read(content)
	p := filepath.Join(src, "big.bin")
	os.WriteFile(p, content, 0o644)
	putPartSize = part
	t.Cleanup(func() { putPartSize, putInterrupt = 0, nil })
	putInterrupt = func(local string, sent int64) bool { return sent >= 3*part }
	if code, _, errs := wd(t, data, "drive", "put", p, "/d"); code == 0 {
		t.Fatalf("the interrupted put exited 0: %s", errs)
	}
	states, _ := filepath.Glob(filepath.Join(resumeDir(data), "*.json"))
	if len(states) != 1 {
		t.Fatalf("resume state files: %v", states)
	}
	if st, err := os.Stat(states[0]); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("resume state %s: %v, %v", states[0], st.Mode(), err)
	}
	putInterrupt = nil
	var res []putResult
	if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "drive", "put", p, "/d")), &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !res[0].Resumed || res[0].BytesSent != int64(len(content))-3*part {
		t.Fatalf("second put: %+v; want resumed with %d bytes sent", res, len(content)-3*part)
	}
	if got := mustWD(t, data, "drive", "get", "/d/big.bin", "-"); got != string(content) {
		t.Fatalf("get: %d bytes, want %d", len(got), len(content))
	}
	if states, _ := filepath.Glob(filepath.Join(resumeDir(data), "*.json")); len(states) != 0 {
		t.Fatalf("resume state left after the upload: %v", states)
	}
}

// TestDrivePutResumeNeedsSameFile: a file changed since the interrupted
// put is uploaded afresh (its saved session is for other content).
func TestDrivePutResumeNeedsSameFile(t *testing.T) {
	const part = 64 << 10
	data, src := t.TempDir(), t.TempDir()
	content := make([]byte, 4*part)
	rand.NewChaCha8([32]byte{4}).Read(content)
	p := filepath.Join(src, "f.bin")
	os.WriteFile(p, content, 0o644)
	putPartSize = part
	t.Cleanup(func() { putPartSize, putInterrupt = 0, nil })
	putInterrupt = func(local string, sent int64) bool { return sent >= part }
	wd(t, data, "drive", "put", p, "/d")
	putInterrupt = nil
	content = append(content, "more"...)
	os.WriteFile(p, content, 0o644)
	var res []putResult
	if err := json.Unmarshal([]byte(mustWD(t, data, "--json", "drive", "put", p, "/d")), &res); err != nil {
		t.Fatal(err)
	}
	if res[0].Resumed || res[0].BytesSent != int64(len(content)) {
		t.Fatalf("put of a changed file: %+v", res[0])
	}
	if got := mustWD(t, data, "drive", "get", "/d/f.bin", "-"); got != string(content) {
		t.Fatalf("get: %d bytes, want %d", len(got), len(content))
	}
}
