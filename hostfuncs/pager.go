package hostfuncs

import "errors"

// filteredPageSize is the backend page size of a filtered listing: fixed,
// so a cursor's Skip counts items of the same page when it is fetched again.
const filteredPageSize = 100

// maxFilteredPages bounds the backend pages one filtered call reads; past
// it the call returns what it found with a marker to go on.
const maxFilteredPages = 200

// filterPage fills a page of up to limit items that keep accepts, reading
// backend pages from cur on (fetch returns a page's items and the next
// backend marker, "" at the end). It filters before paging: the page is
// short only when the backend is exhausted (next is then nil) or after
// maxFilteredPages backend pages. keep answers false to skip an item, an
// error to fail the call; a *PermissionError from keep means skip.
func filterPage[T any](cur pageCursor, limit int, fetch func(marker string) ([]T, string, error), keep func(T) error) (items []T, next *pageCursor, err error) {
	marker, skip := cur.Marker, cur.Skip
	for pages := 0; ; pages++ {
		raw, nextMarker, err := fetch(marker)
		if err != nil {
			return nil, nil, err
		}
		for i := skip; i < len(raw); i++ {
			switch err := keep(raw[i]); {
			case errors.Is(err, ErrPermission):
				continue
			case err != nil:
				return nil, nil, err
			}
			items = append(items, raw[i])
			if len(items) < limit {
				continue
			}
			switch {
			case i+1 < len(raw):
				return items, &pageCursor{Marker: marker, Skip: i + 1}, nil
			case nextMarker == "":
				return items, nil, nil
			}
			return items, &pageCursor{Marker: nextMarker}, nil
		}
		if nextMarker == "" {
			return items, nil, nil
		}
		marker, skip = nextMarker, 0
		if pages+1 >= maxFilteredPages {
			return items, &pageCursor{Marker: marker}, nil
		}
	}
}
