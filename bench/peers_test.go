package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPeerNotInstalledSaysHowToInstall checks a peer missing from PATH
// gives a row that names it and says how to install it.
func TestPeerNotInstalledSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, tc := range []struct{ name, hint string }{
		{"restic", "apt-get install restic"},
		{"borg", "apt-get install borgbackup"},
	} {
		_, err := backupPeer{tc.name, t.TempDir()}.backup(context.Background(), t.TempDir())
		row := peerRow("initial backup vs "+tc.name, time.Second, 0, err, tc.name, "≥ 1.0")
		if err == nil || !strings.Contains(row.Note, "not installed") || !strings.Contains(row.Note, tc.hint) {
			t.Errorf("%s: err %v, row note %q: want it to say how to install (%s)", tc.name, err, row.Note, tc.hint)
		}
		if row.Met != nil {
			t.Errorf("%s: a peer that did not run must not meet or miss a goal", tc.name)
		}
	}
}

// TestPeerRowGoal checks a ratio goal is met by the ratio peer ÷ ours.
func TestPeerRowGoal(t *testing.T) {
	for _, tc := range []struct {
		ours, peer time.Duration
		goal       string
		met        bool
	}{
		{2 * time.Second, 1 * time.Second, "≥ 0.5", true},
		{2 * time.Second, 1 * time.Second, "≥ 0.8", false},
		{1 * time.Second, 2 * time.Second, "≥ 2.0", true},
		{1 * time.Second, 2 * time.Second, "faster than rclone", true},
	} {
		row := peerRow("x", tc.ours, tc.peer, nil, "peer", tc.goal)
		if row.Met == nil || *row.Met != tc.met {
			t.Errorf("ours %v peer %v goal %q: met %v, want %v", tc.ours, tc.peer, tc.goal, row.Met, tc.met)
		}
	}
}

// TestBackupPeersRoundTrip backs a small tree up with each installed peer
// and restores it, so the bench's peer rows measure a working command.
func TestBackupPeersRoundTrip(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	if err := genTree(tree, 20, 64<<10, 3); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"restic", "borg"} {
		if _, err := exec.LookPath(name); err != nil {
			t.Logf("%s not installed: %v", name, err)
			continue
		}
		p := backupPeer{name, t.TempDir()}
		if _, err := p.backup(context.Background(), tree); err != nil {
			t.Fatalf("%s backup: %v", name, err)
		}
		dest := filepath.Join(t.TempDir(), "restore")
		if _, err := p.restore(context.Background(), dest); err != nil {
			t.Fatalf("%s restore: %v", name, err)
		}
		n := 0
		filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".bin") {
				n++
			}
			return nil
		})
		if n != 20 {
			t.Errorf("%s restored %d files, want 20", name, n)
		}
	}
}
