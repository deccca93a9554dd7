package hostfuncs

import (
	"context"
	"errors"
	"fmt"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// The share functions. A share belongs to a grant when every file it holds
// is inside the share grant: only those are listed and may be cancelled. A
// share's password is shown only to the run that created it (which chose
// it, or got it from wd_share_create); wd_share_list leaves it out otherwise.

func shareCreate(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.ShareRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnShareCreate, FileIDs: req.FileIDs}
	defer func() { env.audit(ctx, rec, err) }()
	if len(req.FileIDs) == 0 {
		return nil, badArg("file_id_list is required")
	}
	for _, id := range req.FileIDs {
		p, err := env.checkID(ctx, DriveShare, id)
		rec.Paths = append(rec.Paths, nonEmpty(p)...)
		if err != nil {
			return nil, err
		}
	}
	sh, err := env.Drive.CreateShare(ctx, shareRequest(req))
	if sh != nil {
		rec.Target = sh.ShareID
		env.noteShare(sh)
	}
	return sh, err
}

// shareRequest is the drive request of req.
func shareRequest(req abi.ShareRequest) drive.ShareRequest {
	return drive.ShareRequest{FileIDs: req.FileIDs, Password: req.Password,
		Expiration: req.Expiration, Description: req.Description}
}

func shareList(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.ShareListRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if !env.Grant.DriveAny(DriveShare) {
		return nil, denied("drive.share:/")
	}
	sm, ok := env.Drive.(drive.ShareManager)
	if !ok {
		return nil, fmt.Errorf("list shares: %w", drive.ErrUnsupported)
	}
	var res *drive.ShareList
	var err error
	if env.Grant.DriveAll(DriveShare) {
		res, err = sm.ListShares(ctx, drive.ListOptions{Limit: req.Limit, Marker: req.Marker})
	} else {
		res, err = sharesGranted(ctx, env, sm, req)
	}
	if err != nil {
		return nil, err
	}
	for i, sh := range res.Items {
		if sh.Password != "" && !env.createdShare(sh.ShareID) {
			c := *sh
			c.Password = ""
			res.Items[i] = &c
		}
	}
	return res, nil
}

// sharesGranted lists the shares of the grant, filtered before paging with
// a sealed marker (like searchGranted).
func sharesGranted(ctx context.Context, env *Env, sm drive.ShareManager, req abi.ShareListRequest) (*drive.ShareList, error) {
	binding := env.markerBinding("shares", DriveShare)
	cur, err := openMarker(req.Marker, binding)
	if err != nil {
		return nil, err
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, filteredPageSize)
	fetch := func(marker string) ([]*drive.Share, string, error) {
		res, err := sm.ListShares(ctx, drive.ListOptions{Limit: filteredPageSize, Marker: marker})
		if err != nil {
			return nil, "", err
		}
		return res.Items, res.NextMarker, nil
	}
	keep := func(sh *drive.Share) error { _, err := env.checkShare(ctx, sh); return err }
	items, next, err := filterPage(cur, limit, fetch, keep)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []*drive.Share{}
	}
	return &drive.ShareList{Items: items, NextMarker: sealMarker(next, binding)}, nil
}

// checkShare checks that every file of sh is inside the share grant and
// returns their paths (for the audit record).
func (e *Env) checkShare(ctx context.Context, sh *drive.Share) ([]string, error) {
	if len(sh.FileIDs) == 0 && !e.Grant.DriveAll(DriveShare) {
		return nil, deniedShare(sh.ShareID, nil)
	}
	var paths []string
	for _, id := range sh.FileIDs {
		p, err := e.checkID(ctx, DriveShare, id)
		paths = append(paths, nonEmpty(p)...)
		if err != nil {
			if errors.Is(err, ErrPermission) {
				return paths, deniedShare(sh.ShareID, paths)
			}
			return paths, err
		}
	}
	return paths, nil
}

// deniedShare is the refusal of a share outside the grant: it names the
// share id the plugin passed, and keeps the files' paths for the audit log.
func deniedShare(id string, paths []string) error {
	pe := &PermissionError{Capability: "drive.share:share " + id}
	if len(paths) > 0 {
		pe.Path = paths[len(paths)-1]
	}
	return pe
}

func shareCancel(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.ShareCancelRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnShareCancel, Target: req.ShareID}
	defer func() { env.audit(ctx, rec, err) }()
	if err := require("share_id", req.ShareID); err != nil {
		return nil, err
	}
	if !env.Grant.DriveAny(DriveShare) {
		return nil, denied("drive.share:share %s", req.ShareID)
	}
	sm, ok := env.Drive.(drive.ShareManager)
	if !ok {
		return nil, fmt.Errorf("cancel share: %w", drive.ErrUnsupported)
	}
	if !env.Grant.DriveAll(DriveShare) {
		sh, err := findShare(ctx, sm, req.ShareID)
		if err != nil {
			return nil, err
		}
		if sh == nil {
			// Unknown and outside the grant answer alike.
			return nil, deniedShare(req.ShareID, nil)
		}
		rec.FileIDs = sh.FileIDs
		rec.Paths, err = env.checkShare(ctx, sh)
		if err != nil {
			return nil, err
		}
	}
	return nil, sm.CancelShare(ctx, req.ShareID)
}

// maxShareScan bounds the share pages findShare reads.
const maxShareScan = 100

// findShare looks share id up among the account's live shares (the
// backends have no get-share call), or returns nil.
func findShare(ctx context.Context, sm drive.ShareManager, id string) (*drive.Share, error) {
	marker := ""
	for range maxShareScan {
		res, err := sm.ListShares(ctx, drive.ListOptions{Limit: filteredPageSize, Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("look up share %s: %w", id, err)
		}
		for _, sh := range res.Items {
			if sh.ShareID == id {
				return sh, nil
			}
		}
		if marker = res.NextMarker; marker == "" {
			break
		}
	}
	return nil, nil
}

// noteShare remembers a share this run created: its password may be shown.
func (e *Env) noteShare(sh *drive.Share) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shares == nil {
		e.shares = map[string]bool{}
	}
	e.shares[sh.ShareID] = true
}

func (e *Env) createdShare(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.shares[id]
}
