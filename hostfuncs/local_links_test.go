package hostfuncs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestLocalListReportsSymlinks checks that wd_local_list lists links as
// links (Lstat, never followed: a loop cannot make the walk run away) and
// that wd_local_stat resolves them only inside the read grant.
func TestLocalListReportsSymlinks(t *testing.T) {
	f := newFixture(t, AllowAll())
	root := filepath.Join(f.dir, "src")
	outside := filepath.Join(f.dir, "outside")
	writeLocal(t, filepath.Join(root, "real.txt"), []byte("content"))
	writeLocal(t, filepath.Join(outside, "secret.txt"), []byte("s"))
	links := map[string]string{"file": "real.txt", "loop": ".", "out": filepath.Join(outside, "secret.txt"), "dangling": "nothing"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Skipf("cannot create symlinks here: %v", err)
		}
	}
	f.env.Grant.Local = LocalGrant{Read: []string{root}}
	in, _ := json.Marshal(abi.LocalListRequest{Path: root, Recursive: true})
	res, err := localList(context.Background(), f.env, in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]abi.LocalEntry{}
	for _, e := range res.(*abi.LocalListResult).Entries {
		got[e.Path] = e
	}
	if len(got) != 5 || got["real.txt"].Symlink || got["real.txt"].Size != 7 {
		t.Fatalf("listing %+v", got)
	}
	for name := range links {
		if e, ok := got[name]; !ok || !e.Symlink || e.Dir {
			t.Errorf("link %s listed as %+v, want a link", name, e)
		}
	}
	tests := []struct {
		name     string
		wantCode string
		wantReal string
	}{
		{"file", "", filepath.Join(root, "real.txt")},
		{"out", abi.CodePermissionDenied, ""},
		{"dangling", abi.CodeNotFound, ""},
	}
	for _, tt := range tests {
		in, _ := json.Marshal(abi.LocalPathRequest{Path: filepath.Join(root, tt.name)})
		res, err := localStat(context.Background(), f.env, in)
		if Code(err) != tt.wantCode {
			t.Errorf("stat %s: %v, want code %q", tt.name, err, tt.wantCode)
			continue
		}
		if err == nil {
			real, _ := filepath.EvalSymlinks(tt.wantReal)
			if e := res.(*abi.LocalEntry); e.Real != real || e.Size != 7 || e.Symlink {
				t.Errorf("stat %s = %+v, want the target's size and real path %s", tt.name, e, real)
			}
		}
	}
}
