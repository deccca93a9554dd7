package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

func TestQuota(t *testing.T) {
	ctx := context.Background()
	d, err := Open(t.TempDir(), Options{QuotaBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	up := func(name string, n int) error {
		_, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: name, Size: int64(n), Content: bytes.NewReader(bytes.Repeat([]byte{byte(len(name))}, n))})
		return err
	}
	if err := up("a", 600); err != nil {
		t.Fatal(err)
	}
	err = up("bb", 600)
	var de *drive.Error
	if !errors.Is(err, drive.ErrQuota) || !errors.As(err, &de) || de.Code != drive.CodeQuotaExhausted {
		t.Fatalf("upload over quota: %v", err)
	}
	f, _ := d.GetByPath(ctx, "/a")
	if _, err := d.Copy(ctx, f.FileID, drive.RootID, drive.CopyOptions{AutoRename: true}); !errors.Is(err, drive.ErrQuota) {
		t.Fatalf("copy over quota: %v", err)
	}
	if err := d.Delete(ctx, f.FileID); err != nil {
		t.Fatal(err)
	}
	if si, _ := d.SpaceInfo(ctx); si.UsedSize != 0 {
		t.Fatalf("used after delete = %d", si.UsedSize)
	}
	if err := up("bb", 600); err != nil {
		t.Fatalf("upload after freeing space: %v", err)
	}
}

// TestConcurrentSameName races writers on one name under each mode.
func TestConcurrentSameName(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		mode        drive.CheckNameMode
		wantFolders int
	}{
		{drive.NameRefuse, 1},
		{drive.NameAutoRename, 8},
		{drive.NameIgnore, 8},
	}
	for _, tc := range tests {
		t.Run(string(tc.mode), func(t *testing.T) {
			d := openTest(t)
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := d.CreateFolder(ctx, drive.RootID, "same", tc.mode); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			l, _ := d.List(ctx, drive.ListOptions{ParentFileID: drive.RootID})
			names := map[string]bool{}
			for _, f := range l.Items {
				names[f.Name] = true
			}
			if len(l.Items) != tc.wantFolders || (tc.mode == drive.NameAutoRename && len(names) != tc.wantFolders) {
				t.Fatalf("%s: %d folders %v", tc.mode, len(l.Items), names)
			}
		})
	}
}

func TestPaginationStableUnderInserts(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	for i := range 20 {
		d.CreateFolder(ctx, drive.RootID, fmt.Sprintf("k%02d", i), drive.NameRefuse)
	}
	seen := map[string]int{}
	opts := drive.ListOptions{ParentFileID: drive.RootID, Limit: 7}
	for page := 0; ; page++ {
		res, err := d.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Items {
			seen[f.Name]++
		}
		// Insert before and after the cursor between pages.
		d.CreateFolder(ctx, drive.RootID, fmt.Sprintf("a%02d", page), drive.NameRefuse)
		if res.NextMarker == "" {
			break
		}
		opts.Marker = res.NextMarker
	}
	for i := range 20 {
		if n := seen[fmt.Sprintf("k%02d", i)]; n != 1 {
			t.Fatalf("k%02d seen %d times across pages", i, n)
		}
	}
}

// TestTwoOpensShareOneDrive opens one folder twice, as two nodes sharing a
// drive would: writers of one name in both obey the name mode, and each
// sees the other's files and content.
func TestTwoOpensShareOneDrive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var ds [2]*Drive
	for i := range ds {
		d, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ds[i] = d
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ds[i%2].CreateFolder(ctx, drive.RootID, "shared", drive.NameRefuse); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	l, err := ds[1].List(ctx, drive.ListOptions{ParentFileID: drive.RootID})
	if err != nil || len(l.Items) != 1 {
		t.Fatalf("two drives racing on one name made %d folders (%v)", len(l.Items), err)
	}
	content := bytes.Repeat([]byte("shared content "), 1000)
	up, err := ds[0].Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "f", Size: int64(len(content)), Content: bytes.NewReader(content)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := ds[1].Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "g", Size: int64(len(content)), Content: bytes.NewReader(content)})
	if err != nil || !again.RapidUpload {
		t.Fatalf("the second drive did not find the first one's content: %+v, %v", again, err)
	}
	rc, err := ds[1].Download(ctx, up.File.FileID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, content) {
		t.Fatal("the second drive reads other content")
	}
}
