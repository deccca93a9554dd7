package sdk

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// randString mixes ASCII, escapes, control characters and multi-byte runes.
func randString(r *rand.Rand) string {
	alphabet := []string{"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01", "é", "文件", "😀", "<", "&", "\u2028"}
	var b strings.Builder
	for range r.IntN(24) {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func randTime(r *rand.Rand) time.Time {
	if r.IntN(4) == 0 {
		return time.Time{}
	}
	return time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC()
}

func randFile(r *rand.Rand) *File {
	return &File{DriveID: randString(r), FileID: randString(r), ParentFileID: randString(r), Name: randString(r),
		Type: abi.TypeFile, Size: r.Int64() - r.Int64(), ContentHash: randString(r), Category: randString(r),
		FileExtension: randString(r), Status: "available", CreatedAt: randTime(r), UpdatedAt: randTime(r),
		Trashed: r.IntN(2) == 0, Starred: r.IntN(2) == 0, URL: randString(r), Path: randString(r)}
}

// TestFastDecodeMatchesEncodingJSON decodes random values of every type the
// lexer handles, encoded as the host encodes them, both ways.
func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		var results []any
		var list ListResult
		for range r.IntN(4) {
			list.Items = append(list.Items, randFile(r))
		}
		list.NextMarker, list.TotalCount = randString(r), r.Int64N(1000)
		var local LocalListResult
		for range r.IntN(4) {
			local.Entries = append(local.Entries, LocalEntry{Path: randString(r), Name: randString(r), Dir: r.IntN(2) == 0, Size: r.Int64N(1 << 40), ModTime: randTime(r)})
		}
		batch := abi.BatchResponse{Results: []BatchItemResult{{ID: randString(r), Status: 404, Code: abi.CodeNotFound,
			Error: &abi.DriveError{Status: 404, Code: "NotFound.File", Message: randString(r)}}, {ID: "1", Status: 200, FileID: randString(r)}}}
		kv := KVEntry{Key: randString(r), Value: []byte(randString(r)), Revision: r.Uint64N(1 << 50)}
		results = append(results, randFile(r), &list, &local, &batch, &MoveResult{FileID: randString(r), Exist: true}, &kv)
		for _, want := range results {
			raw, _ := json.Marshal(want)
			env := []byte(`{"ok":true,"result":` + string(raw) + "}\n")
			got := reflect.New(reflect.TypeOf(want).Elem()).Interface()
			e, ok := fastEnvelope(env, got)
			if !ok || !e.OK {
				t.Fatalf("case %d %T: lexer refused %s", i, want, env)
			}
			viaJSON := reflect.New(reflect.TypeOf(want).Elem()).Interface()
			json.Unmarshal(raw, viaJSON)
			if !reflect.DeepEqual(got, viaJSON) {
				t.Fatalf("case %d %T:\n lexer %+v\n json  %+v\n from %s", i, want, got, viaJSON, raw)
			}
		}
	}
}

func TestFastDecodeErrorsAndFallback(t *testing.T) {
	var f File
	e, ok := fastEnvelope([]byte(`{"ok":false,"error":{"code":"not_found","message":"m \"x\"","retryable":true}}`), &f)
	if !ok || e.OK || e.Error == nil || *e.Error != (abi.Error{Code: "not_found", Message: `m "x"`, Retryable: true}) {
		t.Errorf("error envelope = %+v %v", e.Error, ok)
	}
	for _, in := range []string{`{"ok":true,"result":{"size":+1}}`, `{"ok":true,"result":{"name":"a` + "\x01" + `"}}`,
		`{"ok":true,"result":{"size":1.5}}`, `{"ok":true,"result":{"created_at":"yesterday"}}`, `{"ok":true} x`,
		`{"ok":true,"result":{"na\u006de":"a"}}`} {
		if _, ok := fastEnvelope([]byte(in), &f); ok {
			t.Errorf("lexer accepted %s", in)
		}
	}
	// Whatever the lexer refuses, decodeEnvelope still decodes (or rejects)
	// through encoding/json.
	if err := decodeEnvelope("fn", []byte(`{"ok":true,"result":{"na\u006de":"a"}}`), &f); err != nil || f.Name != "a" {
		t.Errorf("fallback: %v %q", err, f.Name)
	}
}

// FuzzFastEnvelope checks the lexer never panics and, when it accepts an
// input encoding/json also accepts, agrees with it on exact-case keys.
func FuzzFastEnvelope(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	raw, _ := json.Marshal(ListResult{Items: []*File{randFile(r), randFile(r)}, NextMarker: "m"})
	f.Add([]byte(`{"ok":true,"result":` + string(raw) + `}`))
	f.Add([]byte(`{"ok":false,"error":{"code":"x","message":"y"}}`))
	f.Add([]byte(`{"ok":true,"result":{"items":[null,{"size":-0}],"x":[{"a":[true,false,null,1e5,"\ud83d\ude00"]}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var got ListResult
		_, ok := fastEnvelope(b, &got)
		if !ok || strings.ContainsFunc(string(b), func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
			return
		}
		var want struct {
			Result ListResult `json:"result"`
		}
		if json.Unmarshal(b, &want) != nil {
			return
		}
		if !reflect.DeepEqual(got, want.Result) {
			t.Fatalf("lexer %+v\njson  %+v", got, want.Result)
		}
	})
}

func TestParseUTC(t *testing.T) {
	for _, s := range []string{"2026-11-27T13:21:42Z", "2026-11-27T13:21:42.1Z", "2026-11-27T13:21:42.123456789Z",
		"2024-02-29T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"} {
		want, err := time.Parse(time.RFC3339Nano, s)
		got, ok := parseUTC(s)
		if err != nil || !ok || !got.Equal(want) || got.Location() != want.Location() {
			t.Errorf("parseUTC(%q) = %v %v, want %v %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{"2026-11-27T13:21:42+02:00", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
		"2026-11-27T24:00:00Z", "2026-11-27T13:21:42.Z", "2026-11-27T13:21:42.1234567890Z", "2026-11-27 13:21:42Z", "x"} {
		if _, ok := parseUTC(s); ok {
			t.Errorf("parseUTC(%q) accepted", s)
		}
	}
}
