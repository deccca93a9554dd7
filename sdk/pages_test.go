package sdk

import (
	"errors"
	"slices"
	"testing"
)

func TestPages(t *testing.T) {
	boom := errors.New("boom")
	book := map[string]struct {
		items []int
		next  string
		err   error
	}{
		"":  {[]int{1, 2}, "b", nil},
		"b": {nil, "c", nil}, // an empty page in the middle is not the end
		"c": {[]int{3}, "", nil},
		"x": {nil, "", boom},
	}
	fetch := func(m string) ([]int, string, error) { p := book[m]; return p.items, p.next, p.err }
	tests := []struct {
		name    string
		start   string
		stopAt  int // stop consuming after this many items (0 = never)
		want    []int
		wantErr error
	}{
		{"all pages", "", 0, []int{1, 2, 3}, nil},
		{"from a marker", "c", 0, []int{3}, nil},
		{"consumer stops", "", 2, []int{1, 2}, nil},
		{"error yielded once", "x", 0, nil, boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			var gotErr error
			for v, err := range pages(fetch, tc.start) {
				if err != nil {
					if gotErr != nil {
						t.Fatal("error yielded twice")
					}
					gotErr = err
					continue
				}
				got = append(got, v)
				if tc.stopAt > 0 && len(got) == tc.stopAt {
					break
				}
			}
			if !slices.Equal(got, tc.want) || !errors.Is(gotErr, tc.wantErr) {
				t.Fatalf("got %v, %v; want %v, %v", got, gotErr, tc.want, tc.wantErr)
			}
		})
	}
}
