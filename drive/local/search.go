package local

import (
	"context"
	"fmt"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Search finds live files matching a query in the Open API query language
// (see compileQuery); OrderBy is "field [ASC|DESC]" (default name ASC).
func (d *Drive) Search(ctx context.Context, opts drive.SearchOptions) (*drive.ListResult, error) {
	cond, args, err := compileQuery(opts.Query)
	if err != nil {
		return nil, err
	}
	by, dir, _ := strings.Cut(strings.TrimSpace(opts.OrderBy), " ")
	lo := drive.ListOptions{Limit: opts.Limit, Marker: opts.Marker, OrderBy: by, OrderDirection: strings.TrimSpace(dir)}
	where := ` WHERE ` + liveCond + ` AND ` + cond
	res, err := d.page(ctx, where, args, lo)
	if err != nil {
		return nil, err
	}
	if opts.ReturnTotal {
		if err := d.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM files`+where, args...).Scan(&res.TotalCount); err != nil {
			return nil, fmt.Errorf("local drive: count search results: %w", err)
		}
	}
	return res, nil
}
