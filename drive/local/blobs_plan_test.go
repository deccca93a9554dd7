package local

import (
	"context"
	"strings"
	"testing"
)

// TestBlobQueriesUseTheIndex: the checks for unreferenced blobs look files
// up by content hash through files_sha1 instead of scanning every file (an
// overwrite on a drive of 100,000 files took tens of milliseconds).
func TestBlobQueriesUseTheIndex(t *testing.T) {
	d, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{blobUnusedDelete, []any{"A", "A"}},
		{blobsUnreferenced, nil},
	} {
		rows, err := d.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if strings.Contains(joined, "SCAN files") || !strings.Contains(joined, "files_sha1") {
			t.Errorf("%s\nplan: %s", q.sql, joined)
		}
	}
}
