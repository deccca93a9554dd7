package e2e

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// TestEnv is an Env bound to a test: calls fail the test.
type TestEnv struct {
	*Env
	t testing.TB
}

// NewTestEnv starts an Env for t (closed with the test). d nil opens a
// fresh local drive; kvDir "" a fresh KV folder. It skips the test when
// the go command, which builds the plugins, is missing.
func NewTestEnv(t testing.TB, d drive.Drive, kvDir string, configs map[string]map[string]any) *TestEnv {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; it builds the plugins")
	}
	if d == nil {
		ld, err := local.Open(t.TempDir(), local.Options{NoSync: true}) // no fsync: tests need no power-loss safety
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ld.Close() })
		d = ld
	}
	if kvDir == "" {
		kvDir = t.TempDir()
	}
	e, err := NewEnv(d, kvDir, configs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &TestEnv{Env: e, t: t}
}

// MustCall is Call that fails the test on error.
func (e *TestEnv) MustCall(plugin, entry string, input, out any) {
	e.t.Helper()
	if err := e.Call(plugin, entry, input, out); err != nil {
		e.t.Fatalf("%s.%s: %v", plugin, entry, err)
	}
}

// WriteFile creates a file (and its folders) with content.
func WriteFile(t testing.TB, p string, content []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TreeSums maps every regular file below root to its SHA-1.
func TreeSums(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha1.Sum(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SameTree fails the test unless a and b hold the same files and bytes.
func SameTree(t testing.TB, a, b string) {
	t.Helper()
	sa, sb := TreeSums(t, a), TreeSums(t, b)
	var diffs []string
	for p, h := range sa {
		if sb[p] != h {
			diffs = append(diffs, fmt.Sprintf("%s: %s vs %s", p, h, sb[p]))
		}
	}
	for p := range sb {
		if _, ok := sa[p]; !ok {
			diffs = append(diffs, p+": only in "+b)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Fatalf("trees differ (%d files vs %d):\n%s", len(sa), len(sb), strings.Join(diffs, "\n"))
	}
}

// Content is deterministic pseudo-random bytes.
func Content(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed*2654435761 + 1)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// DriveNames lists every path below folder on d and fails on duplicate
// names in one folder.
func DriveNames(t testing.TB, d drive.Drive, folder string) []string {
	t.Helper()
	ctx := context.Background()
	f, err := d.GetByPath(ctx, folder)
	if err != nil {
		t.Fatalf("get %s: %v", folder, err)
	}
	var out []string
	var walk func(id, prefix string)
	walk = func(id, prefix string) {
		seen := map[string]bool{}
		marker := ""
		for {
			page, err := d.List(ctx, drive.ListOptions{ParentFileID: id, Limit: 100, Marker: marker})
			if err != nil {
				t.Fatalf("list %s: %v", prefix, err)
			}
			for _, it := range page.Items {
				if seen[it.Name] {
					t.Errorf("duplicate name %s/%s on the drive", prefix, it.Name)
				}
				seen[it.Name] = true
				p := prefix + "/" + it.Name
				if it.IsFolder() {
					walk(it.FileID, p)
				} else {
					out = append(out, p)
				}
			}
			if page.NextMarker == "" {
				break
			}
			marker = page.NextMarker
		}
	}
	walk(f.FileID, "")
	sort.Strings(out)
	return out
}
