package hostfuncs

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// The read-side drive functions. Results are drive types, whose JSON shape
// is the abi's.

func driveInfo(ctx context.Context, env *Env, in []byte) (any, error) {
	return env.Drive.DriveInfo(ctx)
}

func driveSpace(ctx context.Context, env *Env, in []byte) (any, error) {
	return env.Drive.SpaceInfo(ctx)
}

func driveGet(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.GetRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if err := require("file_id", req.FileID); err != nil {
		return nil, err
	}
	f, err := env.Drive.Get(ctx, req.FileID)
	if err != nil {
		return nil, env.hideMissing(DriveRead, req.FileID, err)
	}
	if err := env.checkFile(ctx, DriveRead, f); err != nil {
		return nil, err
	}
	return f, nil
}

func driveGetByPath(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.GetByPathRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	p, err := env.checkPath(DriveRead, req.Path)
	if err != nil {
		return nil, err
	}
	f, err := env.Drive.GetByPath(ctx, p)
	if err != nil {
		return nil, err
	}
	if f.Path == "" {
		f.Path = p
	}
	return f, nil
}

func driveList(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.ListRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	opts := listOptions(req)
	if req.Trash {
		res, err := listTrash(ctx, env, opts)
		if err != nil {
			return nil, err
		}
		return project(res, req.Fields), nil
	}
	var dir string
	switch {
	case req.Path != "":
		p, err := env.checkPath(DriveRead, req.Path)
		if err != nil {
			return nil, err
		}
		f, err := env.Drive.GetByPath(ctx, p)
		if err != nil {
			return nil, err
		}
		opts.ParentFileID, dir = f.FileID, p
	default:
		if opts.ParentFileID == "" {
			opts.ParentFileID = drive.RootID
		}
		p, err := env.checkID(ctx, DriveRead, opts.ParentFileID)
		if err != nil {
			return nil, err
		}
		dir = p
	}
	res, err := env.Drive.List(ctx, opts)
	if err != nil {
		return nil, err
	}
	if dir != "" {
		// Paths of the children are known now: fill them and warm the cache
		// for checks on the ids the plugin will pass next.
		for _, f := range res.Items {
			if f.Path == "" {
				f.Path = joinPath(dir, f.Name)
			}
			env.storePath(f.FileID, f.Path)
		}
	}
	return project(res, req.Fields), nil
}

// listOptions is the drive listing of req (Path, Trash and Fields are the
// host's to handle).
func listOptions(req abi.ListRequest) drive.ListOptions {
	return drive.ListOptions{ParentFileID: req.ParentFileID, Limit: req.Limit, Marker: req.Marker,
		OrderBy: req.OrderBy, OrderDirection: req.OrderDirection, Type: req.Type, Category: req.Category}
}

// searchOptions is the drive search of req (Fields is the host's to handle).
func searchOptions(req abi.SearchRequest) drive.SearchOptions {
	return drive.SearchOptions{Query: req.Query, Limit: req.Limit, Marker: req.Marker,
		OrderBy: req.OrderBy, ReturnTotal: req.ReturnTotal}
}

func listTrash(ctx context.Context, env *Env, opts drive.ListOptions) (*drive.ListResult, error) {
	tm, ok := env.Drive.(drive.TrashManager)
	if !ok {
		return nil, fmt.Errorf("list trash: %w", drive.ErrUnsupported)
	}
	// Trashed files have left their folders: listing the trash needs the
	// whole drive.
	if !env.Grant.DriveAll(DriveRead) {
		return nil, denied("drive.read:/")
	}
	return tm.ListTrash(ctx, opts)
}

func driveSearch(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.SearchRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if !env.Grant.DriveAny(DriveRead) {
		return nil, denied("drive.read:/")
	}
	opts := searchOptions(req)
	if env.Grant.DriveAll(DriveRead) {
		res, err := env.Drive.Search(ctx, opts)
		if err != nil {
			return nil, err
		}
		return project(res, req.Fields), nil
	}
	res, err := searchGranted(ctx, env, opts)
	if err != nil {
		return nil, err
	}
	return project(res, req.Fields), nil
}

// searchGranted is a search under a read grant on some folders: results
// outside the grant are dropped before paging, so every page is full until
// the last, and the marker is sealed (marker.go): neither shows anything of
// a file outside the grant. The total is unknown and left 0.
func searchGranted(ctx context.Context, env *Env, opts drive.SearchOptions) (*drive.ListResult, error) {
	binding := env.markerBinding("search", DriveRead, opts.Query, opts.OrderBy)
	cur, err := openMarker(opts.Marker, binding)
	if err != nil {
		return nil, err
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, filteredPageSize)
	fetch := func(marker string) ([]*drive.File, string, error) {
		res, err := env.Drive.Search(ctx, drive.SearchOptions{Query: opts.Query, Limit: filteredPageSize,
			Marker: marker, OrderBy: opts.OrderBy})
		if err != nil {
			return nil, "", err
		}
		return res.Items, res.NextMarker, nil
	}
	keep := func(f *drive.File) error { return env.checkFile(ctx, DriveRead, f) }
	items, next, err := filterPage(cur, limit, fetch, keep)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []*drive.File{}
	}
	return &drive.ListResult{Items: items, NextMarker: sealMarker(next, binding)}, nil
}

func driveDownloadURL(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.DownloadURLRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if _, err := env.checkID(ctx, DriveRead, req.FileID); err != nil {
		return nil, err
	}
	exp := time.Duration(req.ExpireSeconds) * time.Second
	if req.ExpireSeconds <= 0 {
		exp = 15 * time.Minute
	}
	return env.Drive.DownloadURL(ctx, req.FileID, exp)
}

// joinPath joins a folder path and a child name.
func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}
