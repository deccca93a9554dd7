package hostfuncs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// scanTree writes files (relative path → content) under root with a fixed
// mtime and returns root.
func scanTree(t *testing.T, root string, files map[string]string) string {
	t.Helper()
	mt := time.Unix(1700000000, 123456789)
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, full, c)
		if err := os.Chtimes(full, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// putIndex stores records as a scan index in the plugin's KV, split over
// two keys, and returns the keys.
func putIndex(t *testing.T, env *Env, recs []abi.ScanRecord) []string {
	t.Helper()
	b := []byte(abi.ScanIndexMagic)
	for _, r := range recs {
		b = abi.AppendScanRecord(b, r)
	}
	keys := []string{"idx/0", "idx/1"}
	half := len(b) / 2
	for i, part := range [][]byte{b[:half], b[half:]} {
		if e := callHandler(t, context.Background(), env, abi.FnKVPut, abi.KVPutRequest{Key: keys[i], Value: part}); !e.OK {
			t.Fatalf("kv put: %+v", e.Error)
		}
	}
	return keys
}

func scanPage(t *testing.T, env *Env, req abi.LocalScanRequest) abi.LocalScanResult {
	t.Helper()
	e := callHandler(t, context.Background(), env, abi.FnLocalScan, req)
	if !e.OK {
		t.Fatalf("scan %+v: %+v", req, e.Error)
	}
	var res abi.LocalScanResult
	if err := json.Unmarshal(e.Result, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func paths(files []abi.ScanFile) []string {
	out := []string{}
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestLocalScanCompare(t *testing.T) {
	f := newFixture(t, AllowAll())
	root := scanTree(t, filepath.Join(f.dir, "tree"), map[string]string{
		"same.txt": "12345", "grown.txt": "123456", "flagged.txt": "x", "new.txt": "new",
		"junk.tmp": "tmp", "big.bin": "0123456789abcdef", "sub/deep.txt": "d",
		"node_modules/kept.js": "k", "node_modules/new.js": "n",
	})
	mt := time.Unix(1700000000, 123456789).UnixNano()
	keys := putIndex(t, f.env, []abi.ScanRecord{
		{Path: "same.txt", Size: 5, MTime: mt},
		{Path: "grown.txt", Size: 5, MTime: mt},
		{Path: "flagged.txt", Size: 1, MTime: mt, Flags: abi.ScanFlagReport},
		{Path: "gone.txt", Size: 3, MTime: mt},
		{Path: "gone-deleted.txt", Size: 3, MTime: mt, Flags: abi.ScanFlagReport},
		{Path: "sub/deep.txt", Size: 1, MTime: mt + 1}, // mtime differs by 1 ns
		{Path: "node_modules/kept.js", Size: 1, MTime: mt},
		{Path: "node_modules/removed.js", Size: 1, MTime: mt},
	})
	res := scanPage(t, f.env, abi.LocalScanRequest{Path: root, Index: keys, MaxSize: 10,
		Exclude: []string{"*.tmp", "node_modules"}})
	if got, want := paths(res.Files), []string{"flagged.txt", "grown.txt", "new.txt", "sub/deep.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	if want := []string{"gone.txt"}; !reflect.DeepEqual(res.Missing, want) {
		t.Errorf("missing = %v, want %v (a pruned folder's records are not missing)", res.Missing, want)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Path != "big.bin" {
		t.Errorf("skipped = %+v, want big.bin over max size", res.Skipped)
	}
	if res.Unchanged != 1 || res.Excluded != 2 || res.NextMarker != "" {
		t.Errorf("unchanged %d excluded %d next %q, want 1, 2 (junk.tmp, node_modules), \"\"", res.Unchanged, res.Excluded, res.NextMarker)
	}
	if g := res.Files[1]; g.Size != 6 || g.MTime != mt {
		t.Errorf("grown.txt = %+v, want size 6 and the file's mtime", g)
	}

	// Without an index every selected file is new.
	res = scanPage(t, f.env, abi.LocalScanRequest{Path: root, Exclude: []string{"node_modules"}})
	if got, want := paths(res.Files), []string{"big.bin", "flagged.txt", "grown.txt", "junk.tmp", "new.txt", "same.txt", "sub/deep.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("no index: files = %v, want %v", got, want)
	}
}

// TestLocalScanPaging checks that pages of any size add up to one scan:
// the same files, missing paths and counts.
func TestLocalScanPaging(t *testing.T) {
	f := newFixture(t, AllowAll())
	files := map[string]string{}
	var recs []abi.ScanRecord
	mt := time.Unix(1700000000, 123456789).UnixNano()
	for i, p := range []string{"a/b/c.txt", "a/d.txt", "a.txt", "b/e.txt", "b/f.txt", "c/g/h.txt", "z.txt"} {
		files[p] = "x"
		if i%2 == 0 {
			recs = append(recs, abi.ScanRecord{Path: p, Size: 1, MTime: mt}) // unchanged
		}
	}
	for _, p := range []string{"a/0.txt", "a/b/zz.txt", "a.zzz", "b/0", "c/g/i.txt", "zz"} {
		recs = append(recs, abi.ScanRecord{Path: p, Size: 1, MTime: mt}) // missing
	}
	root := scanTree(t, filepath.Join(f.dir, "tree"), files)
	keys := putIndex(t, f.env, recs)
	whole := scanPage(t, f.env, abi.LocalScanRequest{Path: root, Index: keys})
	sort.Strings(whole.Missing)
	if len(whole.Files) != 3 || len(whole.Missing) != 6 || whole.Unchanged != 4 {
		t.Fatalf("one page: %+v", whole)
	}
	for _, limit := range []int{1, 2, 3} {
		var got abi.LocalScanResult
		marker := ""
		for range 20 {
			page := scanPage(t, f.env, abi.LocalScanRequest{Path: root, Index: keys, Limit: limit, Marker: marker})
			got.Files = append(got.Files, page.Files...)
			got.Missing = append(got.Missing, page.Missing...)
			got.Unchanged += page.Unchanged
			if marker = page.NextMarker; marker == "" {
				break
			}
		}
		sort.Strings(got.Missing)
		if !reflect.DeepEqual(paths(got.Files), paths(whole.Files)) || !reflect.DeepEqual(got.Missing, whole.Missing) || got.Unchanged != whole.Unchanged {
			t.Errorf("limit %d: files %v missing %v unchanged %d; want %v %v %d", limit,
				paths(got.Files), got.Missing, got.Unchanged, paths(whole.Files), whole.Missing, whole.Unchanged)
		}
	}
}

func TestLocalScanSymlinks(t *testing.T) {
	f := newFixture(t, AllowAll())
	root := scanTree(t, filepath.Join(f.dir, "tree"), map[string]string{"target.txt": "content"})
	outside := scanTree(t, filepath.Join(f.dir, "outside"), map[string]string{"secret.txt": "s"})
	for name, target := range map[string]string{"in": "target.txt", "out": filepath.Join(outside, "secret.txt"),
		"dangling": "nope", "dir": "."} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	f.env.Grant.Local.Read = []string{root}
	skip := scanPage(t, f.env, abi.LocalScanRequest{Path: root})
	if got := paths(skip.Files); !reflect.DeepEqual(got, []string{"target.txt"}) || len(skip.Skipped) != 4 {
		t.Errorf("skip: files %v skipped %+v", got, skip.Skipped)
	}
	follow := scanPage(t, f.env, abi.LocalScanRequest{Path: root, Symlinks: abi.ScanSymlinksFollow})
	if got := paths(follow.Files); !reflect.DeepEqual(got, []string{"in", "target.txt"}) || len(follow.Skipped) != 3 {
		t.Errorf("follow: files %v skipped %+v (the link out of the grant must not be followed)", got, follow.Skipped)
	}
	if in := follow.Files[0]; in.Size != int64(len("content")) || !in.Symlink || in.Link != "" {
		t.Errorf("follow: link in = %+v, want the target's size", in)
	}
	record := scanPage(t, f.env, abi.LocalScanRequest{Path: root, Symlinks: abi.ScanSymlinksRecord})
	links := map[string]string{}
	for _, fl := range record.Files {
		links[fl.Path] = fl.Link
	}
	if len(record.Files) != 5 || links["in"] != "target.txt" || links["dangling"] != "nope" {
		t.Errorf("record: %+v", record.Files)
	}
}

func TestLocalScanRefusals(t *testing.T) {
	f := newFixture(t, AllowAll())
	root := scanTree(t, filepath.Join(f.dir, "tree"), map[string]string{"a": "a"})
	keys := putIndex(t, f.env, nil)
	noKV := f.env.Grant
	noKV.Functions = []string{"local"}
	tests := []struct {
		name  string
		grant *Grant
		req   abi.LocalScanRequest
		code  string
	}{
		{"relative path", nil, abi.LocalScanRequest{Path: "tree"}, abi.CodeInvalidArgument},
		{"outside the grant", &Grant{Functions: []string{"*"}, Local: LocalGrant{Read: []string{filepath.Join(f.dir, "other")}}},
			abi.LocalScanRequest{Path: root}, abi.CodePermissionDenied},
		{"index without kv", &noKV, abi.LocalScanRequest{Path: root, Index: keys}, abi.CodePermissionDenied},
		{"missing index key", nil, abi.LocalScanRequest{Path: root, Index: []string{"nope"}}, abi.CodeNotFound},
		{"bad glob", nil, abi.LocalScanRequest{Path: root, Exclude: []string{"[a"}}, abi.CodeInvalidArgument},
		{"bad policy", nil, abi.LocalScanRequest{Path: root, Symlinks: "maybe"}, abi.CodeInvalidArgument},
		{"negative size", nil, abi.LocalScanRequest{Path: root, MaxSize: -1}, abi.CodeInvalidArgument},
		{"missing root", nil, abi.LocalScanRequest{Path: filepath.Join(root, "nope")}, abi.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := f.env.Grant
			defer func() { f.env.Grant = saved }()
			if tt.grant != nil {
				f.env.Grant = *tt.grant
			}
			if e := callHandler(t, context.Background(), f.env, abi.FnLocalScan, tt.req); code(e) != tt.code {
				t.Errorf("code = %q (%+v), want %q", code(e), e.Error, tt.code)
			}
		})
	}
	if e := callHandler(t, context.Background(), f.env, abi.FnKVPut, abi.KVPutRequest{Key: "bad", Value: []byte("WDSI1\xff")}); !e.OK {
		t.Fatal(e.Error)
	}
	if e := callHandler(t, context.Background(), f.env, abi.FnLocalScan, abi.LocalScanRequest{Path: root, Index: []string{"bad"}}); code(e) != abi.CodeInvalidArgument {
		t.Errorf("corrupt index: %+v", e)
	}
}

// BenchmarkLocalScanNoChange scans a 10,000-file tree against an index
// that matches it (a backup's no-change rerun); reports ns per file.
func BenchmarkLocalScanNoChange(b *testing.B) {
	f := newFixture(b, AllowAll())
	root := filepath.Join(f.dir, "tree")
	const n = 10000
	idx := []byte(abi.ScanIndexMagic)
	for i := range n {
		rel := filepath.ToSlash(filepath.Join(string(rune('a'+i%20)), "f"+strconv.Itoa(i)))
		p := filepath.Join(root, rel)
		if i < 20 {
			os.MkdirAll(filepath.Dir(p), 0o755)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(p)
		idx = abi.AppendScanRecord(idx, abi.ScanRecord{Path: rel, Size: 1, MTime: st.ModTime().UnixNano()})
	}
	f.env.KV.Put(context.Background(), f.env.kvKey("idx"), idx, nil)
	in, _ := json.Marshal(abi.LocalScanRequest{Path: root, Index: []string{"idx"}})
	b.ResetTimer()
	for range b.N {
		res, err := localScan(context.Background(), f.env, in)
		if err != nil || res.(*abi.LocalScanResult).Unchanged != n {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/file")
}
