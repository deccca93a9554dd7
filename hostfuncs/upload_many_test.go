package hostfuncs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/aliyun"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// callUploadMany runs wd_drive_upload_many's handler and decodes its answer.
func callUploadMany(t *testing.T, env *Env, req abi.UploadManyRequest) abi.UploadManyResult {
	t.Helper()
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := driveUploadMany(context.Background(), env, in)
	if err != nil {
		t.Fatalf("upload many: %v", err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var out abi.UploadManyResult
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != len(req.Items) {
		t.Fatalf("%d results for %d items", len(out.Results), len(req.Items))
	}
	return out
}

func writeLocal(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUploadManyItems(t *testing.T) {
	f := newFixture(t, Grant{Functions: []string{"drive.write", "drive.read"},
		Drive: DriveGrant{Read: []string{"/"}, Write: []string{"/up"}}})
	src := filepath.Join(f.dir, "src")
	f.env.Grant.Local = LocalGrant{Read: []string{src}}
	var items []abi.UploadRequest
	for i := range 12 {
		p := filepath.Join(src, "f"+strconv.Itoa(i))
		writeLocal(t, p, bytes.Repeat([]byte{byte(i)}, 1000+i))
		items = append(items, abi.UploadRequest{LocalPath: p, ParentPath: "/up/dir"})
	}
	writeLocal(t, filepath.Join(f.dir, "secret"), []byte("x"))
	bad := []struct {
		item abi.UploadRequest
		code string
	}{
		{abi.UploadRequest{LocalPath: filepath.Join(src, "missing"), ParentPath: "/up/dir"}, abi.CodeNotFound},
		{abi.UploadRequest{LocalPath: filepath.Join(f.dir, "secret"), ParentPath: "/up/dir"}, abi.CodePermissionDenied},
		{abi.UploadRequest{LocalPath: filepath.Join(src, "f0"), ParentPath: "/elsewhere"}, abi.CodePermissionDenied},
		{abi.UploadRequest{LocalPath: src, ParentPath: "/up/dir", Name: "folder"}, abi.CodeInvalidArgument},
		{abi.UploadRequest{ParentPath: "/up/dir"}, abi.CodeInvalidArgument},
	}
	for _, b := range bad {
		items = append(items, b.item)
	}
	out := callUploadMany(t, f.env, abi.UploadManyRequest{Items: items, Concurrency: 3,
		Progress: &abi.UploadProgress{BytesDone: 100, BytesTotal: 100 + 12*1000 + 66, FilesDone: 1, FilesTotal: 20}})
	for i := range 12 {
		r := out.Results[i]
		if r.Error != nil || r.File == nil || r.File.Size != int64(1000+i) {
			t.Fatalf("item %d: %+v %+v", i, r, r.Error)
		}
		g, err := f.drive.GetByPath(context.Background(), "/up/dir/f"+strconv.Itoa(i))
		if err != nil || g.FileID != r.File.FileID {
			t.Fatalf("item %d not on the drive: %v", i, err)
		}
	}
	for k, b := range bad {
		r := out.Results[12+k]
		if r.Error == nil || r.Error.Code != b.code || r.File != nil {
			t.Errorf("bad item %d (%+v): got %+v %+v, want code %s", k, b.item, r, r.Error, b.code)
		}
	}
	// One audit record per item, allowed or not.
	n := 0
	for _, rec := range f.auditRecords(t) {
		if rec.Op == abi.FnDriveUploadMany {
			n++
		}
	}
	if n != len(items) {
		t.Errorf("%d audit records for %d items", n, len(items))
	}
	// The last report counts every item and byte, continuing the plugin's counts.
	f.rec.mu.Lock()
	last := f.rec.progress[len(f.rec.progress)-1]
	f.rec.mu.Unlock()
	if last.Unit != "bytes" || last.Done != 100+12*1000+66 || last.Note != "18/20 files" {
		t.Errorf("last progress %+v", last)
	}
}

func TestUploadManyCancelled(t *testing.T) {
	f := newFixture(t, AllowAll())
	p := filepath.Join(f.dir, "a")
	writeLocal(t, p, []byte("a"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in, _ := json.Marshal(abi.UploadManyRequest{Items: []abi.UploadRequest{{LocalPath: p}}})
	if _, err := driveUploadMany(ctx, f.env, in); Code(err) != abi.CodeCancelled {
		t.Fatalf("cancelled call: %v", err)
	}
	if _, err := f.drive.GetByPath(context.Background(), "/a"); !errors.Is(err, drive.ErrNotFound) {
		t.Fatalf("a cancelled call uploaded: %v", err)
	}
}

// interrupting fails every upload's reads past limit bytes, like a process
// killed in the middle of a file; the drive underneath is real. Use it
// through drive.Wrap so it keeps the optional features of that drive.
type interrupting struct {
	drive.Drive
	limit int64
}

var errCut = errors.New("test: upload interrupted")

type cutReader struct {
	r     io.ReaderAt
	limit int64
}

func (c cutReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > c.limit {
		return 0, errCut
	}
	return c.r.ReadAt(p, off)
}

func (d *interrupting) Upload(ctx context.Context, req drive.UploadRequest) (*drive.UploadResult, error) {
	if d.limit > 0 {
		req.Content = cutReader{req.Content, d.limit}
	}
	return d.Drive.Upload(ctx, req)
}

func TestUploadResume(t *testing.T) {
	const part = 256 << 10
	content := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstu\n"), (5*part+777)/32)
	backends := map[string]func(t *testing.T) drive.Drive{
		"local in process": func(t *testing.T) drive.Drive {
			d, err := local.Open(t.TempDir(), local.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d
		},
		"local over HTTP": func(t *testing.T) drive.Drive {
			ts := local.NewTestServer(t, local.ServerOptions{})
			c, err := aliyun.New(aliyun.Options{Account: "test", BaseURL: ts.URL, ClientID: ts.ClientID, ClientSecret: ts.ClientSecret,
				Token: &aliyun.Token{RefreshToken: ts.RefreshToken}, TokenFile: filepath.Join(t.TempDir(), "token.json"),
				RateLimit: -1, MaxAttempts: 1, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		},
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, AllowAll())
			inner := open(t)
			cut := &interrupting{Drive: inner, limit: 2 * part}
			f.env.Drive = drive.Wrap(cut, inner)
			p := filepath.Join(f.dir, "big.bin")
			writeLocal(t, p, content)
			item := abi.UploadRequest{LocalPath: p, ParentPath: "/b", CheckNameMode: abi.NameOverwrite, ResumeKey: "big", PartSize: part}
			req := abi.UploadManyRequest{Items: []abi.UploadRequest{item}}
			sessions := func() []string {
				keys, err := f.env.KV.List(context.Background(), f.env.kvKey(resumeKVPrefix))
				if err != nil {
					t.Fatal(err)
				}
				return keys
			}
			// interrupt writes new content and uploads it until the cut.
			interrupt := func(variant byte) []byte {
				t.Helper()
				c := append([]byte{variant}, content[1:]...)
				writeLocal(t, p, c)
				cut.limit = 2 * part
				if r := callUploadMany(t, f.env, req).Results[0]; r.Error == nil {
					t.Fatalf("an interrupted upload succeeded: %+v", r)
				}
				if keys := sessions(); len(keys) != 1 {
					t.Fatalf("saved sessions after the interruption: %v", keys)
				}
				cut.limit = 0
				return c
			}

			c := interrupt('a')
			r := callUploadMany(t, f.env, req).Results[0]
			if r.Error != nil || !r.Resumed || r.BytesSent != int64(len(c))-2*part {
				t.Fatalf("resume: %+v %+v, want %d bytes sent", r, r.Error, int64(len(c))-2*part)
			}
			checkContent(t, cut.Drive, "/b/big.bin", c)
			if keys := sessions(); len(keys) != 0 {
				t.Fatalf("the session record outlived the upload: %v", keys)
			}

			// A session the drive no longer knows: the upload starts over.
			c = interrupt('b')
			keys := sessions()
			e, _ := f.env.KV.Get(context.Background(), keys[0])
			var rec resumeRecord
			if err := json.Unmarshal(e.Value, &rec); err != nil {
				t.Fatal(err)
			}
			rec.Session.UploadID = "gone-" + rec.Session.UploadID
			b, _ := json.Marshal(rec)
			if _, err := f.env.KV.Put(context.Background(), keys[0], b, nil); err != nil {
				t.Fatal(err)
			}
			r = callUploadMany(t, f.env, req).Results[0]
			if r.Error != nil || r.Resumed || r.BytesSent != int64(len(c)) {
				t.Fatalf("upload after a rejected session: %+v %+v", r, r.Error)
			}
			checkContent(t, cut.Drive, "/b/big.bin", c)
			if keys := sessions(); len(keys) != 0 {
				t.Fatalf("the rejected session's record was kept: %v", keys)
			}

			// A changed local file is not resumed into the old session.
			interrupt('c')
			changed := append([]byte("changed"), content[7:]...)
			writeLocal(t, p, changed)
			if err := os.Chtimes(p, time.Now(), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			r = callUploadMany(t, f.env, req).Results[0]
			if r.Error != nil || r.Resumed {
				t.Fatalf("upload of a changed file: %+v %+v", r, r.Error)
			}
			checkContent(t, cut.Drive, "/b/big.bin", changed)
			names := listNames(t, cut.Drive, "/b")
			if strings.Join(names, ",") != "big.bin" {
				t.Fatalf("drive folder holds %v, want only big.bin", names)
			}
		})
	}
}

func checkContent(t *testing.T, d drive.Drive, p string, want []byte) {
	t.Helper()
	ctx := context.Background()
	g, err := d.GetByPath(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := d.Download(ctx, g.FileID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s holds %d bytes that differ from the %d uploaded", p, len(got), len(want))
	}
}

func listNames(t *testing.T, d drive.Drive, p string) []string {
	t.Helper()
	ctx := context.Background()
	g, err := d.GetByPath(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	page, err := d.List(ctx, drive.ListOptions{ParentFileID: g.FileID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range page.Items {
		out = append(out, it.Name)
	}
	return out
}
