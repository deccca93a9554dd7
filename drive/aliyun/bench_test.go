package aliyun

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// benchFile writes size random bytes to a temporary file.
func benchFile(b *testing.B, size int64) *os.File {
	b.Helper()
	f, err := os.Create(filepath.Join(b.TempDir(), "src.bin"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkUploadHTTP64MiB uploads 64 MiB of new content through the client
// to drive/local's HTTP server (a fresh name and content prefix each time,
// so nothing is rapid).
func BenchmarkUploadHTTP64MiB(b *testing.B) {
	const size = 64 << 20
	f := benchFile(b, size)
	c, _ := newLocalClient(b, local.ServerOptions{}, nil)
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.WriteAt([]byte(fmt.Sprintf("%08d", i)), 0); err != nil {
			b.Fatal(err)
		}
		res, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: fmt.Sprintf("f%d", i), Size: size, Content: f})
		if err != nil {
			b.Fatal(err)
		}
		if res.RapidUpload {
			b.Fatal("rapid")
		}
	}
}

// BenchmarkRapidUploadHTTP64MiB re-uploads stored content: pre_hash, full
// SHA-1, proof, create; no body bytes.
func BenchmarkRapidUploadHTTP64MiB(b *testing.B) {
	const size = 64 << 20
	f := benchFile(b, size)
	c, _ := newLocalClient(b, local.ServerOptions{}, nil)
	ctx := context.Background()
	if _, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "first", Size: size, Content: f}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := c.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: fmt.Sprintf("f%d", i), Size: size, Content: f})
		if err != nil || !res.RapidUpload {
			b.Fatalf("rapid %v err %v", res != nil && res.RapidUpload, err)
		}
	}
}

// BenchmarkListHTTP1k lists a 1,000-entry folder in pages of 100 over HTTP.
func BenchmarkListHTTP1k(b *testing.B) {
	c, ts := newLocalClient(b, local.ServerOptions{}, nil)
	ctx := context.Background()
	dir := benchFolder(b, ts.Drive, 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		opts := drive.ListOptions{ParentFileID: dir, Limit: 100}
		for {
			l, err := c.List(ctx, opts)
			if err != nil {
				b.Fatal(err)
			}
			if l.NextMarker == "" {
				break
			}
			opts.Marker = l.NextMarker
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkBatchCopyHTTP copies 100 files per op with single calls over HTTP.
func BenchmarkBatchCopyHTTP(b *testing.B) {
	c, ts := newLocalClient(b, local.ServerOptions{}, nil)
	ctx := context.Background()
	one, err := ts.Drive.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "one", Size: 3, Content: strings.NewReader("one")})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst, err := ts.Drive.CreateFolder(ctx, drive.RootID, fmt.Sprint("d", i), drive.NameRefuse)
		if err != nil {
			b.Fatal(err)
		}
		reqs := make([]drive.BatchRequest, 100)
		for j := range reqs {
			reqs[j] = drive.BatchRequest{Op: drive.OpCopy, FileID: one.File.FileID, ToParentID: dst.File.FileID}
		}
		if _, err := c.Batch(ctx, reqs, drive.BatchOptions{Concurrency: 8}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "files/s")
}

// benchFolder makes a folder of n files (copies of one) in process.
func benchFolder(b *testing.B, d *local.Drive, n int) string {
	ctx := context.Background()
	one, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "one", Size: 3, Content: strings.NewReader("one")})
	if err != nil {
		b.Fatal(err)
	}
	dst, err := d.CreateFolder(ctx, drive.RootID, "many", drive.NameRefuse)
	if err != nil {
		b.Fatal(err)
	}
	reqs := make([]drive.BatchRequest, n)
	for j := range reqs {
		reqs[j] = drive.BatchRequest{Op: drive.OpCopy, FileID: one.File.FileID, ToParentID: dst.File.FileID, NewName: fmt.Sprintf("f%05d", j)}
	}
	if _, err := d.Batch(ctx, reqs, drive.BatchOptions{}); err != nil {
		b.Fatal(err)
	}
	return dst.File.FileID
}
