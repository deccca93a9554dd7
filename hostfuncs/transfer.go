package hostfuncs

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Upload and download stream file bytes between a granted host path and the
// drive on the host side: bulk bytes never cross the Wasm boundary.

func driveUpload(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.UploadRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	return env.uploadOne(ctx, abi.FnDriveUpload, req, &parentCache{}, nil)
}

// uploadParent resolves and checks the upload's target folder, creating it
// when given by path.
func (e *Env) uploadParent(ctx context.Context, req abi.UploadRequest) (id, dir string, err error) {
	if req.ParentPath != "" {
		p, err := e.checkPath(DriveWrite, req.ParentPath)
		if err != nil {
			return "", p, err
		}
		f, err := e.Drive.MkdirAll(ctx, p)
		if err != nil {
			return "", p, err
		}
		return f.FileID, p, nil
	}
	id = req.ParentFileID
	if id == "" {
		id = drive.RootID
	}
	dir, err = e.checkID(ctx, DriveWrite, id)
	return id, dir, err
}

func driveDownload(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.DownloadRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if err := require("local_path", req.LocalPath); err != nil {
		return nil, err
	}
	if _, err := env.checkID(ctx, DriveRead, req.FileID); err != nil {
		return nil, err
	}
	local, err := env.Grant.CheckLocal(LocalWrite, req.LocalPath)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(local); err == nil && !req.Overwrite {
		return nil, fmt.Errorf("download: %s exists (set overwrite): %w", req.LocalPath, os.ErrExist)
	}
	length := req.Length
	if length == 0 {
		length = -1
	}
	rc, err := env.Drive.Download(ctx, req.FileID, req.Offset, length)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	n, sum, err := writeAtomic(ctx, local, rc, req.SHA1)
	if err != nil {
		return nil, err
	}
	return &abi.DownloadResult{LocalPath: req.LocalPath, Bytes: n, SHA1: sum}, nil
}

// writeAtomic streams r into a temporary file next to dst and renames it
// into place, so a cancelled download never leaves a partial file. With
// want (hex SHA-1) set, bytes of another hash never replace dst: a restore
// over a good local copy keeps it when the drive's copy is damaged.
func writeAtomic(ctx context.Context, dst string, r io.Reader, want string) (int64, string, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, "", fmt.Errorf("download: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".part-*")
	if err != nil {
		return 0, "", fmt.Errorf("download: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h := sha1.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	sum := upperHex(h)
	if err == nil && want != "" && !strings.EqualFold(sum, want) {
		return 0, "", fmt.Errorf("download to %s: content SHA-1 %s, expected %s: the drive's copy (or the transfer) is damaged; %s was left as it was", dst, sum, strings.ToUpper(want), dst)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		return 0, "", fmt.Errorf("download to %s: %w", dst, err)
	}
	return n, sum, nil
}

func upperHex(h hash.Hash) string { return strings.ToUpper(hex.EncodeToString(h.Sum(nil))) }

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ctxReaderAt stops reading once ctx is done.
type ctxReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}
