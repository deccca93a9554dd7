package aliyun

import (
	"context"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// ListTrash lists the recycle bin. The real Open API has no such call: it
// answers drive.ErrUnsupported there; drive/local serves it.
func (c *Client) ListTrash(ctx context.Context, o drive.ListOptions) (*drive.ListResult, error) {
	r, err := c.list(ctx, openapi.PathListTrash, o)
	if isUnknownRoute(err) {
		return nil, unsupported(openapi.PathListTrash, c.base)
	}
	return r, err
}

// Restore takes a file out of the recycle bin (drive.ErrUnsupported on the
// real Open API).
func (c *Client) Restore(ctx context.Context, fileID string) error {
	err := c.fileCall(ctx, openapi.PathRestore, fileID, idempotent)
	if isUnknownRoute(err) {
		return unsupported(openapi.PathRestore, c.base)
	}
	return err
}

// CreateShare creates a share link for up to 100 files.
func (c *Client) CreateShare(ctx context.Context, r drive.ShareRequest) (*drive.Share, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	req := openapi.CreateShareRequest{DriveID: did, FileIDList: r.FileIDs, SharePwd: r.Password, Description: r.Description}
	if !r.Expiration.IsZero() {
		req.Expiration = r.Expiration.UTC().Format(openapi.TimeLayout)
	}
	var w shareReply
	if err := c.call(ctx, openapi.PathCreateShare, req, &w, notIdempotent); err != nil {
		return nil, err
	}
	s := w.share()
	if len(s.FileIDs) == 0 {
		s.FileIDs = r.FileIDs
	}
	return s, nil
}

// shareReply is a share on the wire. A permanent link answers
// "expiration": "" (REFERENCE.md, createShare: tickstep-api
// aliyunpan_open/file_share.go converts it only when non-empty), which a
// time.Time cannot decode.
type shareReply struct {
	drive.Share
	Expiration openapi.Time `json:"expiration"`
	CreatedAt  openapi.Time `json:"created_at"`
}

func (w *shareReply) share() *drive.Share {
	s := w.Share
	s.Expiration, s.CreatedAt = w.Expiration.Time, w.CreatedAt.Time
	return &s
}

// ListShares lists share links (drive.ErrUnsupported on the real Open API).
func (c *Client) ListShares(ctx context.Context, o drive.ListOptions) (*drive.ShareList, error) {
	var w struct {
		Items      []*shareReply `json:"items"`
		NextMarker string        `json:"next_marker"`
	}
	err := c.call(ctx, openapi.PathListShares, openapi.ShareListRequest{Limit: o.Limit, Marker: o.Marker}, &w, idempotent)
	if isUnknownRoute(err) {
		return nil, unsupported(openapi.PathListShares, c.base)
	}
	if err != nil {
		return nil, err
	}
	l := &drive.ShareList{Items: make([]*drive.Share, 0, len(w.Items)), NextMarker: w.NextMarker}
	for _, it := range w.Items {
		if it != nil {
			l.Items = append(l.Items, it.share())
		}
	}
	return l, nil
}

// CancelShare cancels a share link (drive.ErrUnsupported on the real Open API).
func (c *Client) CancelShare(ctx context.Context, shareID string) error {
	err := c.call(ctx, openapi.PathCancelShare, openapi.ShareCancelRequest{ShareID: shareID}, nil, idempotent)
	if isUnknownRoute(err) {
		return unsupported(openapi.PathCancelShare, c.base)
	}
	return err
}
