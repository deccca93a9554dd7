package aliyun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

func TestBatchItemResults(t *testing.T) {
	for _, endpoint := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch endpoint %v", endpoint), func(t *testing.T) {
			c, ts := newLocalClient(t, local.ServerOptions{}, func(o *Options) { o.UseBatchEndpoint = endpoint })
			ctx := context.Background()
			d := ts.Drive
			a, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "a.txt", Size: 1, Content: strings.NewReader("a")})
			if err != nil {
				t.Fatal(err)
			}
			dst, err := d.MkdirAll(ctx, "/dst")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: dst.FileID, Name: "a.txt", Size: 1, Content: strings.NewReader("b")}); err != nil {
				t.Fatal(err)
			}
			var progress []int
			res, err := c.Batch(ctx, []drive.BatchRequest{
				{ID: "copy", Op: drive.OpCopy, FileID: a.File.FileID, ToParentID: dst.FileID},
				{ID: "move-taken", Op: drive.OpMove, FileID: a.File.FileID, ToParentID: dst.FileID},
				{ID: "missing", Op: drive.OpTrash, FileID: "no-such-id"},
				{ID: "bad-op", Op: "chmod", FileID: a.File.FileID},
			}, drive.BatchOptions{ChunkSize: 2, Progress: func(done, total int) { progress = append(progress, done) }})
			if err != nil {
				t.Fatal(err)
			}
			want := []struct {
				id   string
				kind error
			}{{"copy", nil}, {"move-taken", drive.ErrAlreadyExists}, {"missing", drive.ErrNotFound}, {"bad-op", drive.ErrInvalid}}
			for i, w := range want {
				r := res[i]
				switch {
				case r.ID != w.id:
					t.Errorf("result %d has id %q, want %q", i, r.ID, w.id)
				case w.kind == nil && r.Error != nil:
					t.Errorf("%s: %v", w.id, r.Error)
				case w.kind != nil && !errors.Is(r.Error, w.kind):
					t.Errorf("%s: error %v, want %v", w.id, r.Error, w.kind)
				}
			}
			if res[0].FileID == "" || res[0].FileID == a.File.FileID {
				t.Errorf("copy result names file %q", res[0].FileID)
			}
			if fmt.Sprint(progress) != "[2 4]" {
				t.Errorf("progress %v, want [2 4]", progress)
			}
		})
	}
}
