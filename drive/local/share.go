package local

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Share statuses.
const (
	shareEnabled  = "enabled"
	shareCanceled = "canceled"
)

// CreateShare creates a share link for 1–100 live files, with a password of
// 0–64 characters and an optional expiration (zero: permanent).
func (d *Drive) CreateShare(ctx context.Context, req drive.ShareRequest) (*drive.Share, error) {
	if n := len(req.FileIDs); n < 1 || n > 100 {
		return nil, drive.Invalid("a share holds 1 to 100 files, not %d", n)
	}
	if n := utf8.RuneCountInString(req.Password); n > 64 {
		return nil, drive.Invalid("the share password has %d characters; at most 64 are allowed", n)
	}
	if !req.Expiration.IsZero() && req.Expiration.Before(time.Now()) {
		return nil, drive.Invalid("the expiration %s is in the past", req.Expiration.Format(time.RFC3339))
	}
	for _, id := range req.FileIDs {
		if _, err := d.liveFile(ctx, d.r, id); err != nil {
			return nil, err
		}
	}
	ids, _ := json.Marshal(req.FileIDs)
	sh := &drive.Share{ShareID: newID()[16:], Password: req.Password, FileIDs: req.FileIDs, Description: req.Description,
		Status: shareEnabled, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if !req.Expiration.IsZero() {
		sh.Expiration = req.Expiration.UTC()
	}
	sh.ShareURL = d.shareURL(sh.ShareID)
	var exp int64
	if !sh.Expiration.IsZero() {
		exp = nanos(sh.Expiration)
	}
	err := d.withTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO shares(id, file_ids, password, description, expiration, status, created_at) VALUES(?,?,?,?,?,?,?)`,
			sh.ShareID, string(ids), sh.Password, sh.Description, exp, sh.Status, nanos(sh.CreatedAt))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("local drive: create share: %w", err)
	}
	return sh, nil
}

func (d *Drive) shareURL(id string) string {
	base, ok := d.shareBase.Load().(string)
	if !ok {
		base, _ = d.publicURL.Load().(string)
	}
	return base + SharePrefix + id
}

// SetShareBase sets the scheme and host of share links when another server
// than the drive's own serves their pages (ServeSharePage): the console of
// `wasmdrive serve`, for a drive opened in process. Without it share links
// use the public URL (SetPublicURL).
func (d *Drive) SetShareBase(base string) { d.shareBase.Store(base) }

// ListShares lists share links, newest first; canceled ones are omitted.
func (d *Drive) ListShares(ctx context.Context, opts drive.ListOptions) (*drive.ShareList, error) {
	limit, err := pageLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	args := []any{shareEnabled}
	cond := ""
	if opts.Marker != "" {
		m, err := decodeMarker(opts.Marker)
		if err != nil {
			return nil, err
		}
		cond = ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, m.N, m.N, m.ID)
	}
	rows, err := d.r.QueryContext(ctx, `SELECT id, file_ids, password, description, expiration, status, created_at FROM shares
		WHERE status = ?`+cond+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("local drive: list shares: %w", err)
	}
	defer rows.Close()
	res := &drive.ShareList{Items: []*drive.Share{}}
	for rows.Next() {
		var sh drive.Share
		var ids string
		var exp, created int64
		if err := rows.Scan(&sh.ShareID, &ids, &sh.Password, &sh.Description, &exp, &sh.Status, &created); err != nil {
			return nil, fmt.Errorf("local drive: scan share: %w", err)
		}
		if err := json.Unmarshal([]byte(ids), &sh.FileIDs); err != nil {
			return nil, fmt.Errorf("local drive: share %s: %w", sh.ShareID, err)
		}
		sh.CreatedAt = fromNanos(created)
		if exp != 0 {
			sh.Expiration = fromNanos(exp)
			sh.Expired = time.Now().After(sh.Expiration)
		}
		sh.ShareURL = d.shareURL(sh.ShareID)
		res.Items = append(res.Items, &sh)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("local drive: list shares: %w", err)
	}
	if len(res.Items) > limit {
		last := res.Items[limit-1]
		res.Items = res.Items[:limit]
		res.NextMarker = encodeMarker(marker{N: nanos(last.CreatedAt), ID: last.ShareID})
	}
	return res, nil
}

// CancelShare cancels a share link.
func (d *Drive) CancelShare(ctx context.Context, shareID string) error {
	return d.withTx(ctx, func(tx *txn) error { return cancelShareTx(ctx, tx, shareID) })
}

func cancelShareTx(ctx context.Context, tx *txn, shareID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE shares SET status = ? WHERE id = ? AND status = ?`, shareCanceled, shareID, shareEnabled)
	if err != nil {
		return fmt.Errorf("local drive: cancel share: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &drive.Error{Status: 404, Code: drive.CodeNotFoundShare, Message: fmt.Sprintf("share %q does not exist or is canceled", shareID)}
	}
	return nil
}
