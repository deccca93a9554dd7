package local

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

func TestCompileQuery(t *testing.T) {
	tests := []struct {
		q       string
		sql     string
		nargs   int
		invalid bool
	}{
		{`name match "a"`, `name LIKE ? ESCAPE '\'`, 1, false},
		{`name = "a" and size > 10`, `(name = ? AND size > ?)`, 2, false},
		{`name = "a" or size > 10 and type = "file"`, `(name = ? OR (size > ? AND type = ?))`, 3, false},
		{`(name = "a" or size != 1) and starred = true`, `((name = ? OR size <> ?) AND starred = ?)`, 3, false},
		{`file_extension in ["PDF", "doc"]`, `ext IN (?,?)`, 2, false},
		{`created_at >= "2024-01-02T03:04:05"`, `created_at >= ?`, 1, false},
		{``, ``, 0, true},
		{`name match`, ``, 0, true},
		{`size > "big"`, ``, 0, true},
		{`owner = "x"`, ``, 0, true},
		{`name = "x" and`, ``, 0, true},
		{`(name = "x"`, ``, 0, true},
		{`size match "1"`, ``, 0, true},
		{`name = "unterminated`, ``, 0, true},
		{`name = "a"; DROP TABLE files`, ``, 0, true},
		{strings.Repeat("(", 40) + `name = "a"` + strings.Repeat(")", 40), ``, 0, true},
	}
	for _, tc := range tests {
		sql, args, err := compileQuery(tc.q)
		if tc.invalid {
			if !errors.Is(err, drive.ErrInvalid) {
				t.Errorf("compileQuery(%q) = %q, %v; want InvalidParameter", tc.q, sql, err)
			}
			continue
		}
		if err != nil || sql != tc.sql || len(args) != tc.nargs {
			t.Errorf("compileQuery(%q) = %q %v, %v; want %q with %d args", tc.q, sql, args, err, tc.sql, tc.nargs)
		}
	}
}

// FuzzCompileQuery checks that any query either fails with InvalidParameter
// or compiles to SQL the database accepts, with values only as arguments.
func FuzzCompileQuery(f *testing.F) {
	for _, s := range []string{`name match "a"`, `size > 1 or (type = "file" and file_extension in ["a","b"])`, `created_at < "2024-01-01"`, `"`, `((`} {
		f.Add(s)
	}
	d, err := Open(f.TempDir(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	f.Fuzz(func(t *testing.T, q string) {
		sql, args, err := compileQuery(q)
		if err != nil {
			if !errors.Is(err, drive.ErrInvalid) {
				t.Fatalf("compileQuery(%q): error %v is not InvalidParameter", q, err)
			}
			return
		}
		if strings.Count(sql, "?") != len(args) {
			t.Fatalf("compileQuery(%q) = %q with %d args", q, sql, len(args))
		}
		rows, err := d.r.QueryContext(context.Background(), `SELECT id FROM files WHERE `+sql+` LIMIT 1`, args...)
		if err != nil {
			t.Fatalf("compileQuery(%q) = %q: SQLite rejects it: %v", q, sql, err)
		}
		rows.Close()
	})
}
