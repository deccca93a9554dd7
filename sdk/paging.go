package sdk

import (
	"encoding/json"
	"iter"
	"path"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// ListAll yields every file of a folder (or of the trash), fetching pages
// of opts.Limit (default: the backend's) as it goes. On an error it yields
// (nil, err) once and stops.
func ListAll(opts ListOptions) iter.Seq2[*File, error] {
	return pages(func(marker string) ([]*File, string, error) {
		opts.Marker = marker
		page, err := List(opts)
		if err != nil {
			return nil, "", err
		}
		return page.Items, page.NextMarker, nil
	}, opts.Marker)
}

// pages turns a marker-paginated fetch into an iterator: it yields each
// item of each page until the next marker is empty; on an error it yields
// (zero, err) once and stops.
func pages[T any](fetch func(marker string) ([]T, string, error), marker string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, next, err := fetch(marker)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			marker = next
		}
	}
}

// SearchAll yields every result of a search, page after page.
func SearchAll(opts SearchOptions) iter.Seq2[*File, error] {
	return pages(func(marker string) ([]*File, string, error) {
		opts.Marker = marker
		page, err := Search(opts)
		if err != nil {
			return nil, "", err
		}
		return page.Items, page.NextMarker, nil
	}, opts.Marker)
}

// Walk yields every file and folder below the drive folder at root (an
// absolute path), folder by folder: all entries of a folder, then the walk
// of each of its subfolders. Each File's Path is set. Skip a folder's contents by returning false from skip when
// it is visited (skip may be nil).
func Walk(root string, skip func(*File) bool) iter.Seq2[*File, error] {
	return func(yield func(*File, error) bool) {
		walk(ListOptions{Path: root, Limit: 100}, root, skip, yield)
	}
}

// walk lists one folder (opts) at path dir and recurses into subfolders by
// id; it returns false when the consumer stopped.
func walk(opts ListOptions, dir string, skip func(*File) bool, yield func(*File, error) bool) bool {
	var folders []*File
	for f, err := range ListAll(opts) {
		if err != nil {
			yield(nil, err)
			return false
		}
		if f.Path == "" {
			f.Path = path.Join(dir, f.Name)
		}
		if !yield(f, nil) {
			return false
		}
		if f.IsFolder() && (skip == nil || !skip(f)) {
			folders = append(folders, f)
		}
	}
	for _, f := range folders {
		if !walk(ListOptions{ParentFileID: f.FileID, Limit: 100}, f.Path, skip, yield) {
			return false
		}
	}
	return true
}

// LocalList returns one page of a host folder (local read grant) with sizes
// and modification times; recursive lists the whole tree.
func LocalList(dir string, recursive bool, marker string) (*LocalListResult, error) {
	var r LocalListResult
	req := abi.LocalListRequest{Path: dir, Recursive: recursive, Marker: marker}
	if err := call(abi.FnLocalList, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// LocalWalk yields every regular file and folder below host folder dir,
// in lexical walk order, a page (up to 10,000 entries) per host call.
// Entry paths are relative to dir, "/"-separated.
func LocalWalk(dir string) iter.Seq2[LocalEntry, error] {
	return pages(func(marker string) ([]LocalEntry, string, error) {
		page, err := LocalList(dir, true, marker)
		if err != nil {
			return nil, "", err
		}
		return page.Entries, page.NextMarker, nil
	}, "")
}

// LocalStat returns one host file's size and time.
func LocalStat(p string) (*LocalEntry, error) {
	var r LocalEntry
	if err := call(abi.FnLocalStat, abi.LocalPathRequest{Path: p}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// LocalSHA1 hashes a host file on the host; it returns the upper-case hex
// SHA-1 (the drive's content hash form) and the size.
func LocalSHA1(p string) (string, int64, error) {
	var r abi.LocalSHA1Result
	if err := call(abi.FnLocalSHA1, abi.LocalPathRequest{Path: p}, &r); err != nil {
		return "", 0, err
	}
	return r.SHA1, r.Size, nil
}

// marshal encodes v as JSON, with an *Error on failure.
func marshal(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &Error{Code: abi.CodeInvalidArgument, Message: "encode: " + err.Error()}
	}
	return b, nil
}
