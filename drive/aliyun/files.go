package aliyun

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// Retry classes of the calls (see callOpts).
var (
	idempotent    = callOpts{idempotent: true}
	notIdempotent = callOpts{}
	removal       = callOpts{idempotent: true, goneOK: true}
)

// DriveInfo returns the account's user and drive ids.
func (c *Client) DriveInfo(ctx context.Context) (*drive.DriveInfo, error) {
	var info drive.DriveInfo
	if err := c.call(ctx, openapi.PathDriveInfo, nil, &info, idempotent); err != nil {
		return nil, err
	}
	return &info, nil
}

// SpaceInfo returns used and total bytes.
func (c *Client) SpaceInfo(ctx context.Context) (*drive.SpaceInfo, error) {
	var r openapi.SpaceInfoResponse
	if err := c.call(ctx, openapi.PathSpaceInfo, nil, &r, idempotent); err != nil {
		return nil, err
	}
	return &r.PersonalSpaceInfo, nil
}

// Get returns one file by id.
func (c *Client) Get(ctx context.Context, fileID string) (*drive.File, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	var f drive.File
	if err := c.call(ctx, openapi.PathGet, openapi.FileRequest{DriveID: did, FileID: fileID}, &f, idempotent); err != nil {
		return nil, err
	}
	return &f, nil
}

// GetByPath resolves an absolute path; "/" is the root folder.
func (c *Client) GetByPath(ctx context.Context, p string) (*drive.File, error) {
	clean, err := cleanPath(p)
	if err != nil {
		return nil, err
	}
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	if clean == "/" {
		return &drive.File{DriveID: did, FileID: drive.RootID, Type: drive.TypeFolder, Path: "/"}, nil
	}
	var f drive.File
	if err := c.call(ctx, openapi.PathGetByPath, openapi.GetByPathRequest{DriveID: did, FilePath: clean}, &f, idempotent); err != nil {
		return nil, err
	}
	if f.Path == "" {
		f.Path = clean
	}
	return &f, nil
}

// cleanPath checks that p is absolute and cleans it.
func cleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", drive.Invalid("path %q is not absolute (start it with /)", p)
	}
	return path.Clean(p), nil
}

// List returns one page of a folder.
func (c *Client) List(ctx context.Context, o drive.ListOptions) (*drive.ListResult, error) {
	return c.list(ctx, openapi.PathList, o)
}

func (c *Client) list(ctx context.Context, p string, o drive.ListOptions) (*drive.ListResult, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	parent := o.ParentFileID
	if parent == "" && p == openapi.PathList {
		parent = drive.RootID
	}
	req := openapi.ListRequest{
		DriveID: did, ParentFileID: parent, Limit: c.pageLimit(ctx, o.Limit), Marker: o.Marker,
		OrderBy: o.OrderBy, OrderDirection: o.OrderDirection, Type: o.Type, Category: o.Category,
	}
	var r openapi.ListResponse
	if err := c.call(ctx, p, req, &r, idempotent); err != nil {
		return nil, err
	}
	if r.Items == nil {
		r.Items = []*drive.File{}
	}
	return &drive.ListResult{Items: r.Items, NextMarker: r.NextMarker, TotalCount: r.TotalCount}, nil
}

// pageLimit caps a page size at the Open API's maximum (100), unless the
// server advertises openapi.ExtLargePages. A smaller page is safe: callers
// follow next_marker.
func (c *Client) pageLimit(ctx context.Context, n int) int {
	if n > openapi.MaxListLimit && !c.hasExtension(ctx, openapi.ExtLargePages) {
		return openapi.MaxListLimit
	}
	return n
}

// Search runs a query in the Open API query language.
func (c *Client) Search(ctx context.Context, o drive.SearchOptions) (*drive.ListResult, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	req := openapi.SearchRequest{DriveID: did, Query: o.Query, Limit: c.pageLimit(ctx, o.Limit), Marker: o.Marker,
		OrderBy: o.OrderBy, ReturnTotalCount: o.ReturnTotal}
	var r openapi.ListResponse
	if err := c.call(ctx, openapi.PathSearch, req, &r, idempotent); err != nil {
		return nil, err
	}
	if r.Items == nil {
		r.Items = []*drive.File{}
	}
	return &drive.ListResult{Items: r.Items, NextMarker: r.NextMarker, TotalCount: r.TotalCount}, nil
}

// CreateFolder creates a folder. In refuse mode (the default) an existing
// name is returned with Exist set, which makes the call safe to retry.
func (c *Client) CreateFolder(ctx context.Context, parentID, name string, mode drive.CheckNameMode) (*drive.CreateResult, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	if mode == "" || mode == drive.NameOverwrite {
		mode = drive.NameRefuse
	}
	co := notIdempotent
	if mode == drive.NameRefuse {
		co = idempotent
	}
	req := openapi.CreateRequest{DriveID: did, ParentFileID: parentID, Name: name, Type: drive.TypeFolder, CheckNameMode: mode}
	var r openapi.CreateResponse
	if err := c.call(ctx, openapi.PathCreate, req, &r, co); err != nil {
		return nil, err
	}
	f := &drive.File{DriveID: r.DriveID, FileID: r.FileID, ParentFileID: r.ParentFileID, Name: r.FileName, Type: drive.TypeFolder}
	if f.Name == "" {
		f.Name = name
	}
	if f.ParentFileID == "" {
		f.ParentFileID = parentID
	}
	return &drive.CreateResult{File: f, Exist: r.Exist}, nil
}

// MkdirAll creates every missing folder of an absolute path and returns the
// last one. A file in the way is an ErrAlreadyExists error.
func (c *Client) MkdirAll(ctx context.Context, p string) (*drive.File, error) {
	clean, err := cleanPath(p)
	if err != nil {
		return nil, err
	}
	if f, err := c.GetByPath(ctx, clean); err == nil {
		if !f.IsFolder() {
			return nil, &drive.Error{Code: drive.CodeAlreadyExist, Status: 409, Message: fmt.Sprintf("%s exists and is a file", clean)}
		}
		return f, nil
	} else if !errors.Is(err, drive.ErrNotFound) {
		return nil, err
	}
	parent := drive.RootID
	var last *drive.File
	walked := ""
	for _, name := range strings.Split(strings.Trim(clean, "/"), "/") {
		walked += "/" + name
		r, err := c.CreateFolder(ctx, parent, name, drive.NameRefuse)
		if err != nil {
			return nil, fmt.Errorf("mkdir %s: %w", walked, err)
		}
		last = r.File
		if r.Exist {
			f, err := c.Get(ctx, r.File.FileID)
			if err != nil {
				return nil, fmt.Errorf("mkdir %s: %w", walked, err)
			}
			if !f.IsFolder() {
				return nil, &drive.Error{Code: drive.CodeAlreadyExist, Status: 409, Message: fmt.Sprintf("%s exists and is a file", walked)}
			}
			last = f
		}
		parent = last.FileID
	}
	last.Path = clean
	return last, nil
}

// Update renames or (un)stars a file. A rename sends check_name_mode
// refuse unless told otherwise: the service's default is ignore, which
// makes a duplicate name (REFERENCE.md, update: tickstep-api
// FileUpdateParam); a refused name is an AlreadyExist error, whether the
// service answers one or leaves the name unchanged.
func (c *Client) Update(ctx context.Context, fileID string, o drive.UpdateOptions) (*drive.File, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	mode := o.CheckNameMode
	if o.Name != nil && (mode == "" || mode == drive.NameOverwrite) {
		mode = drive.NameRefuse
	}
	req := openapi.UpdateRequest{DriveID: did, FileID: fileID, CheckNameMode: mode, Starred: o.Starred}
	if o.Name != nil {
		req.Name = *o.Name
	}
	var f drive.File
	if err := c.call(ctx, openapi.PathUpdate, req, &f, idempotent); err != nil {
		return nil, err
	}
	if o.Name != nil && mode == drive.NameRefuse && (f.Name != "" && f.Name != *o.Name || f.FileID != "" && f.FileID != fileID) {
		return nil, errNameTaken(*o.Name)
	}
	return &f, nil
}

// Trash moves a file to the recycle bin.
func (c *Client) Trash(ctx context.Context, fileID string) error {
	return c.fileCall(ctx, openapi.PathTrash, fileID, removal)
}

// Delete deletes a file permanently.
func (c *Client) Delete(ctx context.Context, fileID string) error {
	return c.fileCall(ctx, openapi.PathDelete, fileID, removal)
}

// fileCall runs a call on one file (trash, delete, restore) and waits for
// the asynchronous task the service may answer (a large folder).
func (c *Client) fileCall(ctx context.Context, p, fileID string, co callOpts) error {
	did, err := c.DriveID(ctx)
	if err != nil {
		return err
	}
	var r openapi.AsyncTaskResponse
	if err := c.call(ctx, p, openapi.FileRequest{DriveID: did, FileID: fileID}, &r, co); err != nil {
		return err
	}
	return c.waitTask(ctx, p, r.AsyncTaskID)
}
