package sdk

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func TestFastRequestMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		s := randString(r)
		reqs := []any{abi.GetRequest{FileID: s}, abi.FileRequest{FileID: s}, abi.GetByPathRequest{Path: s},
			abi.LocalPathRequest{Path: s}, abi.KVKeyRequest{Key: s},
			abi.ListRequest{ParentFileID: s, Limit: r.IntN(3) * 50, Marker: randString(r), Trash: r.IntN(2) == 0, Type: randString(r)},
			abi.ListRequest{Fields: []string{s, "file_id"}}, abi.GetRequest{FileID: "\xff"}, abi.BatchRequest{},
			abi.BatchRequest{Items: []abi.BatchItem{{ID: s, Op: "copy", FileID: randString(r), ToParentID: s},
				{Op: "trash", NewName: s, CheckNameMode: "x"}}, ChunkSize: r.IntN(2) * 10, Concurrency: r.IntN(2) * 3}}
		for _, req := range reqs {
			want, _ := json.Marshal(req)
			got, ok := fastRequest(req)
			if !ok {
				if g, isGet := req.(abi.GetRequest); !isGet || g.FileID != "\xff" {
					t.Fatalf("%#v not handled", req)
				}
				continue
			}
			if string(got) != string(want) {
				t.Fatalf("%#v:\n fast %s\n json %s", req, got, want)
			}
		}
	}
	if _, ok := fastRequest(abi.SearchRequest{}); ok {
		t.Error("an unhandled type was encoded")
	}
}

// FuzzFastRequest compares the encoders on arbitrary strings.
func FuzzFastRequest(f *testing.F) {
	f.Add("a\"b\\c\n\x00<>&\u2028é\xff", "m", 10)
	f.Fuzz(func(t *testing.T, s, m string, limit int) {
		for _, req := range []any{abi.GetByPathRequest{Path: s}, abi.ListRequest{Path: s, Marker: m, Limit: limit}} {
			got, ok := fastRequest(req)
			want, _ := json.Marshal(req)
			if ok && string(got) != string(want) {
				t.Fatalf("%#v:\n fast %s\n json %s", req, got, want)
			}
		}
	})
}
