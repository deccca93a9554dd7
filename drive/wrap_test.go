package drive_test

import (
	"context"
	"slices"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
)

// plain is a Drive with no optional features; calling a Drive method panics
// (the tests here only look at the method sets).
type plain struct{ drive.Drive }

// trashM and shareM are the optional method sets, mixed into drives below.
type trashM struct{ restored *string }

func (trashM) ListTrash(context.Context, drive.ListOptions) (*drive.ListResult, error) {
	return &drive.ListResult{}, nil
}
func (t trashM) Restore(_ context.Context, id string) error { *t.restored = "inner:" + id; return nil }

type shareM struct{}

func (shareM) ListShares(context.Context, drive.ListOptions) (*drive.ShareList, error) {
	return &drive.ShareList{}, nil
}
func (shareM) CancelShare(context.Context, string) error { return nil }

type trashOnly struct {
	plain
	trashM
}

type shareOnly struct {
	plain
	shareM
}

type both struct {
	plain
	trashM
	shareM
}

// decorator embeds what it wraps, as drive decorators do, and claims
// TrashManager whatever it wraps (the defect Wrap removes).
type decorator struct {
	drive.Drive
	restored *string
}

func (decorator) ListTrash(context.Context, drive.ListOptions) (*drive.ListResult, error) {
	return nil, drive.ErrUnsupported
}
func (d decorator) Restore(_ context.Context, id string) error {
	*d.restored = "outer:" + id
	return nil
}

// TestWrapKeepsFeatures: for every combination of optional interfaces of
// the inner drive, the wrapped drive has exactly that combination, and
// Unwrap returns the inner drive.
func TestWrapKeepsFeatures(t *testing.T) {
	var restored string
	tr := trashM{&restored}
	for _, tc := range []struct {
		name  string
		inner drive.Drive
		want  []string
	}{
		{"none", plain{}, nil},
		{"trash", trashOnly{trashM: tr}, []string{"TrashManager"}},
		{"share", shareOnly{}, []string{"ShareManager"}},
		{"both", both{trashM: tr}, []string{"TrashManager", "ShareManager"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, outer := range []drive.Drive{plain{tc.inner}, decorator{tc.inner, &restored}} {
				w := drive.Wrap(outer, tc.inner)
				if got := drive.FeaturesOf(w).Names(); !slices.Equal(got, tc.want) {
					t.Errorf("Wrap(%T, %T) features = %v, want %v", outer, tc.inner, got, tc.want)
				}
				u, ok := w.(drive.Wrapper)
				if !ok || u.Unwrap() != tc.inner {
					t.Errorf("Wrap(%T, %T) does not unwrap to the inner drive", outer, tc.inner)
				}
			}
		})
	}
}

// TestWrapPrefersOuterMethods: an optional method the decorator implements
// itself is the one called; one it does not goes to the inner drive.
func TestWrapPrefersOuterMethods(t *testing.T) {
	var restored string
	inner := trashOnly{trashM: trashM{&restored}}
	for _, tc := range []struct {
		outer drive.Drive
		want  string
	}{
		{plain{inner}, "inner:f"},
		{decorator{inner, &restored}, "outer:f"},
	} {
		restored = ""
		w := drive.Wrap(tc.outer, inner)
		if err := w.(drive.TrashManager).Restore(context.Background(), "f"); err != nil || restored != tc.want {
			t.Errorf("Restore through Wrap(%T) reached %q, %v; want %q", tc.outer, restored, err, tc.want)
		}
	}
}
