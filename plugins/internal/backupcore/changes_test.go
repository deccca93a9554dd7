package backupcore

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// TestApplyMatchesMapModel checks the in-place merge against a map of
// path → entry, over random manifests and change sets, including changes
// applied one checkpoint after another to the same slice.
func TestApplyMatchesMapModel(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 2))
		m := &Manifest{}
		model := map[string]Entry{}
		for round := range 4 {
			c := NewChanges()
			for range r.IntN(12) {
				p := fmt.Sprintf("p%02d", r.IntN(30))
				switch r.IntN(3) {
				case 0:
					c.Remove(p)
					delete(model, p)
				default:
					e := ent(p, int64(round), int64(r.IntN(9)))
					c.Set(e)
					model[p] = e
				}
			}
			c.Apply(m)
			want := make([]Entry, 0, len(model))
			for _, e := range model {
				want = append(want, e)
			}
			sort.Slice(want, func(i, j int) bool { return want[i].Path < want[j].Path })
			if len(want) == 0 && len(m.Entries) == 0 {
				continue
			}
			if !reflect.DeepEqual(m.Entries, want) {
				t.Fatalf("seed %d round %d:\n got %v\nwant %v", seed, round, m.Entries, want)
			}
		}
	}
}
