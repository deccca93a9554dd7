package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// fill creates n empty-content files in a new folder with one batch of copies.
func fill(b *testing.B, d *Drive, n int) (folder string, src string) {
	ctx := context.Background()
	dir, err := d.CreateFolder(ctx, drive.RootID, "big", drive.NameRefuse)
	if err != nil {
		b.Fatal(err)
	}
	up, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "src", Size: 10, Content: bytes.NewReader([]byte("0123456789"))})
	if err != nil {
		b.Fatal(err)
	}
	reqs := make([]drive.BatchRequest, n)
	for i := range reqs {
		reqs[i] = drive.BatchRequest{Op: drive.OpCopy, FileID: up.File.FileID, ToParentID: dir.File.FileID, NewName: fmt.Sprintf("f%05d", i)}
	}
	if _, err := d.Batch(ctx, reqs, drive.BatchOptions{}); err != nil {
		b.Fatal(err)
	}
	return dir.File.FileID, up.File.FileID
}

// BenchmarkList10k pages through a 10,000-entry folder (100 per page).
func BenchmarkList10k(b *testing.B) {
	d, _ := Open(b.TempDir(), Options{})
	defer d.Close()
	folder, _ := fill(b, d, 10000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		opts := drive.ListOptions{ParentFileID: folder, Limit: 100}
		for {
			res, err := d.List(ctx, opts)
			if err != nil {
				b.Fatal(err)
			}
			n += len(res.Items)
			if res.NextMarker == "" {
				break
			}
			opts.Marker = res.NextMarker
		}
		if n != 10000 {
			b.Fatalf("listed %d", n)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkBatchCopy10k copies 10,000 files with Batch (chunks of 100).
func BenchmarkBatchCopy10k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		d, _ := Open(b.TempDir(), Options{})
		b.StartTimer()
		fill(b, d, 10000)
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "files/s")
}

const upSize = 64 << 20

// BenchmarkUpload64MiB uploads 64 MiB of new content in process.
func BenchmarkUpload64MiB(b *testing.B) {
	d, _ := Open(b.TempDir(), Options{})
	defer d.Close()
	content := make([]byte, upSize)
	b.SetBytes(upSize)
	for i := 0; b.Loop(); i++ {
		rand.Read(content[:64]) // new content each time: no rapid upload
		_, err := d.Upload(context.Background(), drive.UploadRequest{ParentFileID: drive.RootID, Name: fmt.Sprint(i), Size: upSize, Content: bytes.NewReader(content)})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIOCopy64MiB is the floor for BenchmarkUpload64MiB: io.Copy of the
// same bytes to a new file with fsync.
func BenchmarkIOCopy64MiB(b *testing.B) {
	dir := b.TempDir()
	content := make([]byte, upSize)
	b.SetBytes(upSize)
	for i := 0; b.Loop(); i++ {
		f, err := os.Create(filepath.Join(dir, fmt.Sprint(i)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(f, bytes.NewReader(content)); err != nil {
			b.Fatal(err)
		}
		f.Sync()
		f.Close()
	}
}
