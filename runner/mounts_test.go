package runner

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
)

func TestGrantMounts(t *testing.T) {
	root := t.TempDir()
	src, dst := filepath.Join(root, "src"), filepath.Join(root, "dst")
	for _, d := range []string{src, dst} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(root, "missing")
	tests := []struct {
		name  string
		local hostfuncs.LocalGrant
		want  []mount
	}{
		{"none", hostfuncs.LocalGrant{}, nil},
		{"read is read-only", hostfuncs.LocalGrant{Read: []string{src}}, []mount{{src, true}}},
		{"write is read-write", hostfuncs.LocalGrant{Write: []string{dst}}, []mount{{dst, false}}},
		{"read and write of one folder", hostfuncs.LocalGrant{Read: []string{src}, Write: []string{src + "/"}}, []mount{{src, false}}},
		{"missing and relative skipped", hostfuncs.LocalGrant{Read: []string{missing, "rel/dir", src}}, []mount{{src, true}}},
		{"sorted", hostfuncs.LocalGrant{Read: []string{src}, Write: []string{dst}}, []mount{{dst, false}, {src, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := grantMounts(Grant{Local: tc.local})
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("grantMounts = %+v, want %+v", got, tc.want)
			}
		})
	}
}
