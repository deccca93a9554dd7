package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// linkTree writes a source with links of every awkward kind: to a file, to
// a folder, to an ancestor (a loop for anything that follows folders), and
// to nothing. It returns the links' relative paths.
func linkTree(t *testing.T, src string) []string {
	t.Helper()
	WriteFile(t, filepath.Join(src, "real.txt"), []byte("real content"))
	WriteFile(t, filepath.Join(src, "dir", "inner.txt"), []byte("inner"))
	links := map[string]string{
		"link-to-file": "real.txt",
		"dir/up.txt":   "../real.txt",
		"link-to-dir":  "dir",
		"dir/loop":     "..",
		"dangling":     "missing.txt",
	}
	var rels []string
	for rel, target := range links {
		if err := os.Symlink(target, filepath.Join(src, rel)); err != nil {
			t.Skipf("cannot create symlinks here: %v", err)
		}
		rels = append(rels, rel)
	}
	return rels
}

func TestBackupSymlinkPolicies(t *testing.T) {
	tests := []struct {
		policy string
		// followed links are backed up with their target's content; the
		// others must be reported as skipped with a reason containing want.
		followed map[string]string
		skipped  map[string]string
	}{
		{"skip", nil, map[string]string{"link-to-file": "symlinks: skip", "dir/up.txt": "symlinks: skip",
			"link-to-dir": "symlinks: skip", "dir/loop": "symlinks: skip", "dangling": "symlinks: skip"}},
		{"follow", map[string]string{"link-to-file": "real content", "dir/up.txt": "real content"},
			map[string]string{"link-to-dir": "folder", "dir/loop": "folder", "dangling": "target"}},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			src := t.TempDir()
			linkTree(t, src)
			e := NewTestEnv(t, nil, "", map[string]map[string]any{"backup": backupConfig(src, "/Backup/l",
				map[string]any{"symlinks": tt.policy, "deletion": "mirror"})})
			var s backupSummary
			e.MustCall("backup", "backup", nil, &s)
			if s.Status != "ok" || len(s.Errors) > 0 {
				t.Fatalf("backup: %+v", s)
			}
			got := map[string]string{}
			for _, sk := range s.Skipped {
				got[sk.Path] = sk.Reason
			}
			for rel, want := range tt.skipped {
				if !strings.Contains(got[rel], want) {
					t.Errorf("link %s: skipped reason %q, want one containing %q", rel, got[rel], want)
				}
			}
			if len(got) != len(tt.skipped) {
				t.Errorf("skipped %v, want exactly %v", got, tt.skipped)
			}
			want := []string{"/dir/inner.txt", "/real.txt"}
			for rel := range tt.followed {
				want = append(want, "/"+rel)
			}
			names := DriveNames(t, e.Drive, "/Backup/l")
			if strings.Join(names, ",") != strings.Join(sorted(want), ",") {
				t.Fatalf("drive holds %v, want %v", names, sorted(want))
			}
			dest := t.TempDir()
			var r restoreSummary
			e.MustCall("backup", "restore", map[string]any{"dest": dest}, &r)
			if r.Status != "ok" {
				t.Fatalf("restore: %+v", r)
			}
			for rel, content := range tt.followed {
				b, err := os.ReadFile(filepath.Join(dest, rel))
				if err != nil || string(b) != content {
					t.Errorf("restored %s = %q, %v; want the link target's content", rel, b, err)
				}
			}
			// A rerun changes nothing and never removes what was backed up:
			// a skipped link is not a deleted file.
			var again backupSummary
			e.MustCall("backup", "backup", nil, &again)
			if again.Uploaded != 0 || again.Removed != 0 || again.Status != "ok" {
				t.Fatalf("rerun: %+v", again)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
