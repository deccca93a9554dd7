package local

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// FuzzListMarker feeds arbitrary markers and orders to List: the answer is
// a page or an InvalidParameter error, never another failure.
func FuzzListMarker(f *testing.F) {
	f.Add(encodeMarker(marker{S: "a", ID: "x"}), "name", "ASC")
	f.Add(encodeMarker(marker{N: 5, ID: "y"}), "size", "DESC")
	f.Add("!!", "", "")
	d, err := Open(f.TempDir(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	for _, n := range []string{"a", "b", "c"} {
		d.CreateFolder(ctx, drive.RootID, n, drive.NameRefuse)
	}
	f.Fuzz(func(t *testing.T, m, by, dir string) {
		_, err := d.List(ctx, drive.ListOptions{ParentFileID: drive.RootID, Marker: m, OrderBy: by, OrderDirection: dir, Limit: 2})
		if err != nil && !errors.Is(err, drive.ErrInvalid) {
			t.Fatalf("List(marker %q, %q %q): %v", m, by, dir, err)
		}
	})
}

// FuzzBatchSub decodes arbitrary batch sub-requests: each becomes an item
// or an InvalidParameter error.
func FuzzBatchSub(f *testing.F) {
	f.Add(openapi.BatchURLMove, []byte(`{"file_id":"a","to_parent_file_id":"root"}`))
	f.Add(openapi.BatchURLUpdate, []byte(`{"file_id":"a","name":"x","starred":true}`))
	f.Add("/file/nope", []byte(`{}`))
	f.Add(openapi.BatchURLCopy, []byte(`[`))
	f.Fuzz(func(t *testing.T, url string, body []byte) {
		it, err := decodeSub(openapi.BatchSubJSON{ID: "1", URL: url, Body: json.RawMessage(body)})
		if err != nil {
			if !errors.Is(err, drive.ErrInvalid) {
				t.Fatalf("decodeSub(%q, %q): %v is not InvalidParameter", url, body, err)
			}
			return
		}
		if it.Op == "" {
			t.Fatalf("decodeSub(%q, %q) gave no operation", url, body)
		}
	})
}
