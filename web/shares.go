package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// SharePager is a drive that serves its share links' pages itself (the
// local drive: drive/local.Drive.ServeSharePage). ServeSharePage reports
// false, having written nothing, for a share that is not its own.
type SharePager interface {
	ServeSharePage(w http.ResponseWriter, r *http.Request) bool
}

// shareEntry is one share link in the console's list. The share's
// password is never sent: only whether it has one.
type shareEntry struct {
	ShareID     string    `json:"share_id"`
	ShareURL    string    `json:"share_url"`
	Description string    `json:"description,omitempty"`
	Files       []string  `json:"files"` // names of the shared files (file ids when gone)
	FileIDs     []string  `json:"file_ids"`
	HasPassword bool      `json:"has_password"`
	Expiration  time.Time `json:"expiration,omitempty"`
	Expired     bool      `json:"expired,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// unwrapTo finds the innermost drive of d (through drive.Wrapper) that is
// a T.
func unwrapTo[T any](d drive.Drive) (T, bool) {
	for d != nil {
		if t, ok := d.(T); ok {
			return t, true
		}
		w, ok := d.(drive.Wrapper)
		if !ok {
			break
		}
		d = w.Unwrap()
	}
	var zero T
	return zero, false
}

// handleSharePage serves GET /s/{id}...: the share page of whichever
// account's drive holds the share. It needs no token (a share link is
// meant for others); its own password protects it.
func (s *Server) handleSharePage(w http.ResponseWriter, r *http.Request) {
	if s.opts.Drives != nil {
		for _, name := range s.opts.Drives.Accounts() {
			d, err := s.opts.Drives.Open(name)
			if err != nil {
				continue
			}
			if p, ok := unwrapTo[SharePager](d); ok && p.ServeSharePage(w, r) {
				return
			}
		}
	}
	http.Error(w, "no such share link: it was canceled, or never existed", http.StatusNotFound)
}

// shareManager opens account's drive as a drive.ShareManager, or answers.
func (s *Server) shareManager(w http.ResponseWriter, r *http.Request) (string, drive.Drive, drive.ShareManager, bool) {
	account := r.PathValue("account")
	if s.opts.Drives == nil || !slices.Contains(s.opts.Drives.Accounts(), account) {
		httpError(w, http.StatusNotFound, "no account named "+strconv.Quote(account))
		return "", nil, nil, false
	}
	d, err := s.opts.Drives.Open(account)
	if err != nil {
		serviceError(w, r, err)
		return "", nil, nil, false
	}
	sm, ok := unwrapTo[drive.ShareManager](d)
	if !ok {
		httpError(w, http.StatusUnprocessableEntity, "the drive of account "+strconv.Quote(account)+" cannot list or cancel share links")
		return "", nil, nil, false
	}
	return account, d, sm, true
}

// handleShares lists an account's share links: ?marker=&limit=.
func (s *Server) handleShares(w http.ResponseWriter, r *http.Request) {
	account, d, sm, ok := s.shareManager(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			httpError(w, http.StatusBadRequest, "limit must be 1..100")
			return
		}
		limit = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	res, err := sm.ListShares(ctx, drive.ListOptions{Limit: limit, Marker: q.Get("marker")})
	if err != nil {
		serviceError(w, r, err)
		return
	}
	out := make([]shareEntry, 0, len(res.Items))
	for _, sh := range res.Items {
		e := shareEntry{ShareID: sh.ShareID, ShareURL: sh.ShareURL, Description: sh.Description, FileIDs: sh.FileIDs,
			HasPassword: sh.Password != "", Expiration: sh.Expiration, Expired: sh.Expired, CreatedAt: sh.CreatedAt}
		if e.FileIDs == nil {
			e.FileIDs = []string{}
		}
		e.Files = make([]string, 0, len(sh.FileIDs))
		for _, id := range sh.FileIDs {
			name := id
			if f, err := d.Get(ctx, id); err == nil {
				name = f.Name
			}
			e.Files = append(e.Files, name)
		}
		out = append(out, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": account, "shares": out, "next_marker": res.NextMarker})
}

// handleShareCancel cancels one share link.
func (s *Server) handleShareCancel(w http.ResponseWriter, r *http.Request) {
	_, _, sm, ok := s.shareManager(w, r)
	if !ok {
		return
	}
	ctx, cancel := apiContext(r)
	defer cancel()
	if err := sm.CancelShare(ctx, r.PathValue("id")); err != nil {
		var de *drive.Error
		if errors.As(err, &de) && de.Status == http.StatusNotFound {
			httpError(w, http.StatusNotFound, err.Error())
			return
		}
		serviceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}
