package local

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// MaxLocalListLimit is the largest page the local drive serves.
const MaxLocalListLimit = 1000

// marker is the position after the last item of a page: the sort key of
// that item and its id (the tie-break), so pages stay stable while files
// are added concurrently.
type marker struct {
	S  string `json:"s,omitempty"`
	N  int64  `json:"n,omitempty"`
	ID string `json:"id"`
}

func encodeMarker(m marker) string {
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeMarker(s string) (marker, error) {
	var m marker
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || m.ID == "" {
		return m, drive.Invalid("marker %q is not one this drive issued: pass next_marker unchanged", s)
	}
	return m, nil
}

// order is a validated sort: column and direction.
type order struct {
	col  string // SQL column
	desc bool
	str  bool // the column is text
}

func parseOrder(by, dir string) (order, error) {
	var o order
	switch strings.ToLower(by) {
	case "", "name", "name_enhanced":
		o.col, o.str = "name", true
	case "created_at":
		o.col = "created_at"
	case "updated_at":
		o.col = "updated_at"
	case "size":
		o.col = "size"
	default:
		return o, drive.Invalid("order_by %q is not one of name, created_at, updated_at, size", by)
	}
	switch strings.ToUpper(dir) {
	case "", "ASC":
	case "DESC":
		o.desc = true
	default:
		return o, drive.Invalid("order_direction %q is not ASC or DESC", dir)
	}
	return o, nil
}

// keyset returns the SQL condition and arguments selecting rows after m,
// and the ORDER BY clause.
func (o order) keyset(m *marker) (cond string, args []any, orderBy string) {
	cmp, dir := ">", "ASC"
	if o.desc {
		cmp, dir = "<", "DESC"
	}
	orderBy = fmt.Sprintf(" ORDER BY %s %s, id %s", o.col, dir, dir)
	if m == nil {
		return "", nil, orderBy
	}
	var key any = m.N
	if o.str {
		key = m.S
	}
	// A row-value comparison lets SQLite seek the (parent_id, col, id) index.
	cond = fmt.Sprintf(" AND (%s, id) %s (?, ?)", o.col, cmp)
	return cond, []any{key, m.ID}, orderBy
}

func (o order) markerOf(f *drive.File) marker {
	m := marker{ID: f.FileID}
	switch o.col {
	case "name":
		m.S = f.Name
	case "created_at":
		m.N = nanos(f.CreatedAt)
	case "updated_at":
		m.N = nanos(f.UpdatedAt)
	case "size":
		m.N = f.Size
	}
	return m
}

func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return openapi.DefaultListLimit, nil
	case n < 0 || n > MaxLocalListLimit:
		return 0, drive.Invalid("limit %d is out of range 1..%d", n, MaxLocalListLimit)
	}
	return n, nil
}

// List returns one page of a folder's live children.
func (d *Drive) List(ctx context.Context, opts drive.ListOptions) (*drive.ListResult, error) {
	if opts.ParentFileID == "" {
		opts.ParentFileID = drive.RootID
	}
	if _, err := d.folder(ctx, d.r, opts.ParentFileID); err != nil {
		return nil, err
	}
	where := ` WHERE parent_id = ? AND ` + liveCond
	args := []any{opts.ParentFileID}
	switch opts.Type {
	case "", "all":
	case drive.TypeFile, drive.TypeFolder:
		where += ` AND type = ?`
		args = append(args, opts.Type)
	default:
		return nil, drive.Invalid("type %q is not file, folder or all", opts.Type)
	}
	if opts.Category != "" {
		cats := strings.Split(opts.Category, ",")
		where += ` AND category IN (?` + strings.Repeat(",?", len(cats)-1) + `)`
		for _, c := range cats {
			args = append(args, strings.TrimSpace(c))
		}
	}
	return d.page(ctx, where, args, opts)
}

// ListTrash returns one page of the recycle bin (files trashed directly).
func (d *Drive) ListTrash(ctx context.Context, opts drive.ListOptions) (*drive.ListResult, error) {
	return d.page(ctx, ` WHERE trashed = 1 AND status = 'available'`, nil, opts)
}

// page runs a keyset-paginated query over files.
func (d *Drive) page(ctx context.Context, where string, args []any, opts drive.ListOptions) (*drive.ListResult, error) {
	o, err := parseOrder(opts.OrderBy, opts.OrderDirection)
	if err != nil {
		return nil, err
	}
	limit, err := pageLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	var mp *marker
	if opts.Marker != "" {
		m, err := decodeMarker(opts.Marker)
		if err != nil {
			return nil, err
		}
		mp = &m
	}
	cond, kargs, orderBy := o.keyset(mp)
	q := `SELECT ` + fileCols + ` FROM files` + where + cond + orderBy + ` LIMIT ?`
	args = append(append(args, kargs...), limit+1)
	rows, err := d.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("local drive: list: %w", err)
	}
	items, err := d.scanFiles(rows)
	if err != nil {
		return nil, err
	}
	res := &drive.ListResult{Items: items}
	if len(items) > limit {
		res.Items = items[:limit]
		res.NextMarker = encodeMarker(o.markerOf(items[limit-1]))
	}
	return res, nil
}
