package bench

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/aliyun"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

func init() {
	Register(Suite{Name: "Drive layer: Open API client over HTTP", Command: "go run ./cmd/wasmdrive-bench --only 'Drive layer'", Run: runDriveLayer})
}

// httpDrive is a local drive served over loopback HTTP and an Open API
// client of it, as `wasmdrive drive serve` plus an aliyun account would be.
type httpDrive struct {
	d      *local.Drive
	srv    *local.Server
	hs     *http.Server
	client *aliyun.Client
}

// newHTTPDrive opens a drive in dir and serves it on a loopback port.
func newHTTPDrive(ctx context.Context, dir string) (*httpDrive, error) {
	d, err := local.Open(dir, local.Options{})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("drive bench: listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	srv := local.NewServer(d, local.ServerOptions{PublicURL: base})
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	id, secret, refresh, err := d.NewClientCredentials(ctx)
	if err != nil {
		hs.Close()
		d.Close()
		return nil, err
	}
	c, err := aliyun.New(aliyun.Options{Account: "bench", BaseURL: base, ClientID: id, ClientSecret: secret,
		Token: &aliyun.Token{RefreshToken: refresh}, RateLimit: -1})
	if err != nil {
		hs.Close()
		d.Close()
		return nil, err
	}
	return &httpDrive{d: d, srv: srv, hs: hs, client: c}, nil
}

func (h *httpDrive) Close() {
	h.client.Close()
	h.hs.Close()
	h.d.Close()
}

// runDriveLayer measures the Open API client against drive/local's server:
// a big upload against cp, a rapid upload against SHA-1 of the file, batch
// copy and listing of 10,000 files, each also in process for comparison.
func runDriveLayer(ctx context.Context, cfg Config) ([]Row, error) {
	dir, err := os.MkdirTemp(cfg.Dir, "drive-http-")
	if err != nil {
		return nil, fmt.Errorf("drive bench: %w", err)
	}
	defer os.RemoveAll(dir)
	size := int64(1 << 30)
	if cfg.Quick {
		size = 256 << 20
	}
	src := filepath.Join(dir, "src.bin")
	if err := writeRandomFile(src, size); err != nil {
		return nil, err
	}
	rows, err := benchHTTPUpload(ctx, dir, src, size)
	if err != nil {
		return rows, err
	}
	bl, err := benchHTTPBatchList(ctx, dir, 10000)
	return append(rows, bl...), err
}

// benchHTTPUpload uploads src through the client (best of 3, a fresh drive
// each time so nothing is rapid), compares with cp + fsync (best of 3),
// then re-uploads it as a rapid upload and compares with SHA-1 of the file.
func benchHTTPUpload(ctx context.Context, dir, src string, size int64) ([]Row, error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cpTime, upTime := time.Duration(1<<62), time.Duration(1<<62)
	var last *httpDrive
	defer func() {
		if last != nil {
			last.Close()
		}
	}()
	for i := range 3 {
		t, err := Timed(func() error {
			dst := filepath.Join(dir, "copy.bin")
			defer os.Remove(dst)
			if err := exec.CommandContext(ctx, "cp", src, dst).Run(); err != nil {
				return err
			}
			return fsyncFile(dst) // the drive fsyncs what it stores; so must the peer
		})
		if err != nil {
			return nil, fmt.Errorf("drive bench: cp: %w", err)
		}
		cpTime = min(cpTime, t)
		if last != nil {
			last.Close()
		}
		if last, err = newHTTPDrive(ctx, filepath.Join(dir, fmt.Sprintf("drive%d", i))); err != nil {
			return nil, err
		}
		var res *drive.UploadResult
		t, err = Timed(func() error {
			res, err = last.client.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "big.bin", Size: size, Content: f})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("drive bench: upload via HTTP: %w", err)
		}
		if res.RapidUpload || res.BytesSent != size {
			return nil, fmt.Errorf("drive bench: upload sent %d of %d bytes (rapid=%v)", res.BytesSent, size, res.RapidUpload)
		}
		upTime = min(upTime, t)
		if i < 2 {
			os.RemoveAll(filepath.Join(dir, fmt.Sprintf("drive%d", i)))
		}
	}
	shaTime, rapidTime := time.Duration(1<<62), time.Duration(1<<62)
	var rapid *drive.UploadResult
	for i := range 3 {
		t, err := Timed(func() error {
			h := sha1.New()
			_, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, size), make([]byte, 1<<20))
			return err
		})
		if err != nil {
			return nil, err
		}
		before := last.srv.BodyBytes()
		var res *drive.UploadResult
		rt, err := Timed(func() error {
			var err error
			res, err = last.client.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: fmt.Sprintf("again%d.bin", i), Size: size, Content: f})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("drive bench: rapid upload via HTTP: %w", err)
		}
		if sent := last.srv.BodyBytes() - before; sent != 0 || !res.RapidUpload {
			return nil, fmt.Errorf("drive bench: the second upload sent %d body bytes (rapid=%v)", sent, res.RapidUpload)
		}
		shaTime, rapidTime, rapid = min(shaTime, t), min(rapidTime, rt), res
	}
	mb := float64(size) / 1e6
	upRatio := cpTime.Seconds() / upTime.Seconds()
	rapidRatio := rapidTime.Seconds() / shaTime.Seconds()
	return []Row{
		{Name: fmt.Sprintf("upload %.0f MB via the Open API client over HTTP", mb), Value: mb / upTime.Seconds(), Unit: "MB/s",
			Peer: "cp + fsync", Ratio: upRatio, Goal: "≥ 0.6", Met: Bool(upRatio >= 0.6),
			Note: fmt.Sprintf("best of 3: cp %s, upload %s (about 32 parts of 10-64 MiB, one at a time on loopback)", cpTime.Round(time.Millisecond), upTime.Round(time.Millisecond))},
		{Name: "rapid upload of stored content via HTTP", Value: float64(rapidTime.Milliseconds()), Unit: "ms",
			Peer: "Go SHA-1 of the file", Ratio: rapidRatio, Goal: "≤ 1.3", Met: Bool(rapidRatio <= 1.3 && rapid.RapidUpload),
			Note: fmt.Sprintf("0 body bytes sent; SHA-1 %s", shaTime.Round(time.Millisecond))},
	}, nil
}

// benchHTTPBatchList copies n files with Batch and lists the n-entry
// folder, in process and through the client (single calls, as against the
// real Open API, and the batch extension).
func benchHTTPBatchList(ctx context.Context, dir string, n int) ([]Row, error) {
	h, err := newHTTPDrive(ctx, filepath.Join(dir, "batch"))
	if err != nil {
		return nil, err
	}
	defer h.Close()
	one, err := h.d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "one.txt", Size: 3, Content: strings.NewReader("one")})
	if err != nil {
		return nil, err
	}
	type target struct {
		name string
		d    drive.Drive
		opts drive.BatchOptions
	}
	batchClient, err := newBatchClient(ctx, h)
	if err != nil {
		return nil, err
	}
	defer batchClient.Close()
	targets := []target{
		{"in process", h.d, drive.BatchOptions{}},
		{"via HTTP, single calls (8 in flight)", h.client, drive.BatchOptions{Concurrency: 8}},
		{"via HTTP, batch extension", batchClient, drive.BatchOptions{}},
	}
	// Warm up the database and the connection pool before timing.
	warm, err := h.d.CreateFolder(ctx, drive.RootID, "warm", drive.NameRefuse)
	if err != nil {
		return nil, err
	}
	for _, tg := range targets {
		reqs := make([]drive.BatchRequest, 200)
		for j := range reqs {
			reqs[j] = drive.BatchRequest{Op: drive.OpCopy, FileID: one.File.FileID, ToParentID: warm.File.FileID}
		}
		if _, err := tg.d.Batch(ctx, reqs, tg.opts); err != nil {
			return nil, fmt.Errorf("drive bench: warm-up %s: %w", tg.name, err)
		}
	}
	var rows []Row
	var inproc float64
	var folder string
	for i, tg := range targets {
		dst, err := h.d.CreateFolder(ctx, drive.RootID, fmt.Sprintf("many%d", i), drive.NameRefuse)
		if err != nil {
			return nil, err
		}
		reqs := make([]drive.BatchRequest, n)
		for j := range reqs {
			reqs[j] = drive.BatchRequest{Op: drive.OpCopy, FileID: one.File.FileID, ToParentID: dst.File.FileID, NewName: fmt.Sprintf("f%05d.txt", j)}
		}
		var res []drive.BatchResult
		t, err := Timed(func() error {
			res, err = tg.d.Batch(ctx, reqs, tg.opts)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("drive bench: batch copy %s: %w", tg.name, err)
		}
		for _, r := range res {
			if r.Error != nil {
				return nil, fmt.Errorf("drive bench: batch copy %s: item %s: %w", tg.name, r.ID, r.Error)
			}
		}
		rate := float64(n) / t.Seconds()
		row := Row{Name: fmt.Sprintf("batch copy of %d files, %s", n, tg.name), Value: rate, Unit: "files/s"}
		if i == 0 {
			inproc, folder = rate, dst.File.FileID
		} else {
			row.Peer, row.Ratio = "in process", rate/inproc
		}
		rows = append(rows, row)
	}
	var inprocList float64
	for i, tg := range targets[:2] {
		listed := 0
		t, err := Timed(func() error {
			opts := drive.ListOptions{ParentFileID: folder, Limit: 100}
			for {
				l, err := tg.d.List(ctx, opts)
				if err != nil {
					return err
				}
				listed += len(l.Items)
				if l.NextMarker == "" {
					return nil
				}
				opts.Marker = l.NextMarker
			}
		})
		if err != nil {
			return nil, fmt.Errorf("drive bench: list %s: %w", tg.name, err)
		}
		if listed != n {
			return nil, fmt.Errorf("drive bench: listed %d of %d entries %s", listed, n, tg.name)
		}
		rate := float64(n) / t.Seconds()
		row := Row{Name: fmt.Sprintf("list a %d-entry folder (100 per page), %s", n, strings.TrimSuffix(tg.name, ", single calls (8 in flight)")),
			Value: rate, Unit: "entries/s"}
		if i == 0 {
			inprocList = rate
		} else {
			row.Peer, row.Ratio = "in process", rate/inprocList
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// newBatchClient is a second client of h that sends Batch chunks to the
// batch extension.
func newBatchClient(ctx context.Context, h *httpDrive) (*aliyun.Client, error) {
	id, secret, refresh, err := h.d.NewClientCredentials(ctx)
	if err != nil {
		return nil, err
	}
	c, err := aliyun.New(aliyun.Options{Account: "bench-batch", BaseURL: h.client.BaseURL(), ClientID: id, ClientSecret: secret,
		Token: &aliyun.Token{RefreshToken: refresh}, RateLimit: -1, UseBatchEndpoint: true})
	if err != nil {
		return nil, errors.Join(errors.New("drive bench: batch client"), err)
	}
	return c, nil
}
