package hostfuncs

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// The local functions let a plugin see host files inside its local read
// grant with few boundary crossings: a whole folder (or tree) per call.

func localStat(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.LocalPathRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	p, err := env.Grant.CheckLocal(LocalRead, req.Path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	return &abi.LocalEntry{Path: req.Path, Name: st.Name(), Dir: st.IsDir(), Size: st.Size(), ModTime: st.ModTime().UTC(), Real: p}, nil
}

func localSHA1(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.LocalPathRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	p, err := env.Grant.CheckLocal(LocalRead, req.Path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("sha1: %w", err)
	}
	defer f.Close()
	h := sha1.New()
	n, err := io.Copy(h, ctxReader{ctx, f})
	if err != nil {
		return nil, fmt.Errorf("sha1 of %s: %w", req.Path, err)
	}
	return &abi.LocalSHA1Result{SHA1: upperHex(h), Size: n}, nil
}

// errPageFull ends a walk when a page is full.
var errPageFull = errors.New("page full")

func localList(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.LocalListRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	root, err := env.Grant.CheckLocal(LocalRead, req.Path)
	if err != nil {
		return nil, err
	}
	limit := req.Limit
	if limit <= 0 || limit > abi.MaxLocalListEntries {
		limit = abi.MaxLocalListEntries
	}
	res := &abi.LocalListResult{Entries: []abi.LocalEntry{}}
	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if p == root {
				return err
			}
			return nil // unreadable entry: skip it, keep walking
		}
		if p == root {
			return nil
		}
		rel := filepath.ToSlash(p[len(root)+1:])
		if req.Marker != "" {
			// Entries up to the marker were on earlier pages: skip them, but
			// descend into the folder holding the marker (or being it).
			switch c := walkCompare(rel, req.Marker); {
			case c < 0 && d.IsDir() && req.Recursive && strings.HasPrefix(req.Marker, rel+"/"):
				return nil
			case c < 0 && d.IsDir(), c == 0 && d.IsDir() && !req.Recursive:
				return fs.SkipDir
			case c <= 0:
				return nil
			}
		}
		link := d.Type()&fs.ModeSymlink != 0
		if !link && !d.Type().IsRegular() && !d.IsDir() {
			return nil // devices, sockets and pipes are not listed
		}
		if len(res.Entries) == limit {
			res.NextMarker = res.Entries[limit-1].Path
			return errPageFull
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		// A link is listed as itself (Lstat), never followed: the caller
		// decides whether to follow it (wd_local_stat resolves it).
		res.Entries = append(res.Entries, abi.LocalEntry{Path: rel, Name: d.Name(), Dir: d.IsDir(),
			Size: info.Size(), ModTime: info.ModTime().UTC(), Symlink: link})
		if d.IsDir() && !req.Recursive {
			return fs.SkipDir
		}
		return nil
	})
	if walkErr != nil && !errors.Is(walkErr, errPageFull) {
		return nil, fmt.Errorf("list %s: %w", req.Path, walkErr)
	}
	return res, nil
}

// walkCompare orders "/"-separated relative paths the way filepath.WalkDir
// visits them: element by element ("a" < "a/b" < "a.txt").
func walkCompare(a, b string) int {
	for {
		ae, arest, amore := strings.Cut(a, "/")
		be, brest, bmore := strings.Cut(b, "/")
		if c := strings.Compare(ae, be); c != 0 {
			return c
		}
		switch {
		case !amore && !bmore:
			return 0
		case !amore:
			return -1
		case !bmore:
			return 1
		}
		a, b = arest, brest
	}
}
