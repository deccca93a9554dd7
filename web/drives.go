package web

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// driveSummary is one account on the Drive page.
type driveSummary struct {
	Account string `json:"account"`
	Name    string `json:"name,omitempty"`
	Used    int64  `json:"used_size"`
	Total   int64  `json:"total_size"`
	Error   string `json:"error,omitempty"`
}

// handleDrives reports every account's space, asking the drives in parallel.
func (s *Server) handleDrives(w http.ResponseWriter, r *http.Request) {
	if s.opts.Drives == nil {
		writeJSON(w, http.StatusOK, map[string]any{"drives": []driveSummary{}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	names := s.opts.Drives.Accounts()
	out := make([]driveSummary, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { out[i] = s.summary(ctx, name) })
	}
	wg.Wait()
	writeJSON(w, http.StatusOK, map[string]any{"drives": out})
}

func (s *Server) summary(ctx context.Context, name string) driveSummary {
	d := driveSummary{Account: name}
	dr, err := s.opts.Drives.Open(name)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	sp, err := dr.SpaceInfo(ctx)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	d.Used, d.Total = sp.UsedSize, sp.TotalSize
	if info, err := dr.DriveInfo(ctx); err == nil {
		d.Name = info.Name
	}
	return d
}

// listEntry is one row of the folder browser.
type listEntry struct {
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Size      int64     `json:"size"`
	UpdatedAt time.Time `json:"updated_at"`
}

// handleDriveList lists one folder by path: ?path=/backups&marker=&limit=.
func (s *Server) handleDriveList(w http.ResponseWriter, r *http.Request) {
	account := r.PathValue("account")
	if s.opts.Drives == nil || !slices.Contains(s.opts.Drives.Accounts(), account) {
		httpError(w, http.StatusNotFound, "no account named "+strconv.Quote(account))
		return
	}
	q := r.URL.Query()
	p := path.Clean("/" + q.Get("path"))
	limit := 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			httpError(w, http.StatusBadRequest, "limit must be 1..1000")
			return
		}
		limit = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	dr, err := s.opts.Drives.Open(account)
	if err != nil {
		serviceError(w, r, err)
		return
	}
	dir, err := dr.GetByPath(ctx, p)
	if err != nil {
		serviceError(w, r, err)
		return
	}
	if !dir.IsFolder() && p != "/" {
		httpError(w, http.StatusBadRequest, p+" is a file, not a folder")
		return
	}
	id := dir.FileID
	if p == "/" && id == "" {
		id = drive.RootID
	}
	res, err := dr.List(ctx, drive.ListOptions{ParentFileID: id, Limit: limit, Marker: q.Get("marker"), OrderBy: "name", OrderDirection: "ASC"})
	if err != nil {
		serviceError(w, r, err)
		return
	}
	items := make([]listEntry, 0, len(res.Items))
	for _, f := range res.Items {
		items = append(items, listEntry{Name: f.Name, Type: f.Type, Size: f.Size, UpdatedAt: f.UpdatedAt})
	}
	// Folders first, then files, each by name.
	slices.SortStableFunc(items, func(a, b listEntry) int {
		if (a.Type == drive.TypeFolder) != (b.Type == drive.TypeFolder) {
			if a.Type == drive.TypeFolder {
				return -1
			}
			return 1
		}
		return 0
	})
	writeJSON(w, http.StatusOK, map[string]any{"account": account, "path": p, "items": items, "next_marker": res.NextMarker})
}

// DriveSet is a fixed set of open drives by account name. It implements
// Drives, for callers that open every account up front.
type DriveSet map[string]drive.Drive

// Accounts returns the names, sorted.
func (s DriveSet) Accounts() []string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Open returns the named drive.
func (s DriveSet) Open(name string) (drive.Drive, error) {
	d, ok := s[name]
	if !ok {
		return nil, fmt.Errorf("account %q not found: add it under accounts in the config", name)
	}
	return d, nil
}
