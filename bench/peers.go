package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// installHint says how to install each peer the bench compares with.
var installHint = map[string]string{
	"restic": "apt-get install restic",
	"borg":   "apt-get install borgbackup",
	"rclone": "apt-get install rclone (or https://rclone.org/install/)",
	"cp":     "apt-get install coreutils",
}

// backupPeer is a backup tool measured beside ours: restic or borg, each
// with its repository, cache and config under the bench's scratch folder.
type backupPeer struct {
	name string // "restic" or "borg"
	dir  string // scratch folder of this peer
}

// env returns the environment a peer runs with: no prompts, no state
// outside dir.
func (p backupPeer) env() []string {
	return append(os.Environ(),
		"RESTIC_PASSWORD=bench", "RESTIC_CACHE_DIR="+filepath.Join(p.dir, "cache"),
		"BORG_BASE_DIR="+filepath.Join(p.dir, "base"), "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes",
		"BORG_RELOCATED_REPO_ACCESS_IS_OK=yes")
}

// run runs the peer with args in folder cwd ("" for the current one).
func (p backupPeer) run(ctx context.Context, cwd string, args ...string) (time.Duration, error) {
	if _, err := exec.LookPath(p.name); err != nil {
		return 0, notInstalled(p.name)
	}
	return Timed(func() error {
		cmd := exec.CommandContext(ctx, p.name, args...)
		cmd.Dir, cmd.Env = cwd, p.env()
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v: %s", p.name, args[0], err, out)
		}
		return nil
	})
}

// backup creates the peer's repository (not timed) and times one backup
// of tree into it.
func (p backupPeer) backup(ctx context.Context, tree string) (time.Duration, error) {
	if err := os.RemoveAll(p.dir); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return 0, err
	}
	repo := filepath.Join(p.dir, "repo")
	switch p.name {
	case "restic":
		if _, err := p.run(ctx, "", "init", "--repo", repo); err != nil {
			return 0, err
		}
		return p.run(ctx, "", "backup", "--repo", repo, tree)
	default:
		if _, err := p.run(ctx, "", "init", "--encryption=none", repo); err != nil {
			return 0, err
		}
		return p.run(ctx, filepath.Dir(tree), "create", repo+"::bench", filepath.Base(tree))
	}
}

// restore times restoring the peer's last backup into a new folder dest.
func (p backupPeer) restore(ctx context.Context, dest string) (time.Duration, error) {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return 0, err
	}
	repo := filepath.Join(p.dir, "repo")
	if p.name == "restic" {
		return p.run(ctx, "", "restore", "--repo", repo, "latest", "--target", dest)
	}
	return p.run(ctx, dest, "extract", repo+"::bench")
}

// notInstalled is the error of a peer that is not on PATH: it says how to
// install it, so the row that reports it does too.
func notInstalled(name string) error {
	if h, ok := installHint[name]; ok {
		return fmt.Errorf("%s is not installed (install: %s)", name, h)
	}
	return fmt.Errorf("%s is not installed", name)
}

// peerTimes holds the peers' times on the mixed tree, measured in the
// same run as ours; a peer that did not run has its error instead.
type peerTimes struct {
	cp, restic, borg          time.Duration
	cpErr, resticErr, borgErr error
}

// resetPeakRSS resets the process's peak resident set size (VmHWM), so a
// later peakRSS covers only what ran in between. Linux only; elsewhere a
// no-op.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns the process's peak resident set size (VmHWM) in bytes,
// 0 where /proc is not available.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
