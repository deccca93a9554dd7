package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// fakeHost answers host calls in native tests: handler gets the function
// name and the decoded request and returns a result or an *abi.Error.
type fakeHost struct {
	calls   []string
	handler func(fn string, req map[string]any) (any, *abi.Error)
}

func (h *fakeHost) install(t *testing.T) {
	old := transport
	t.Cleanup(func() { transport = old })
	transport = func(fn string, _ bool, in []byte) ([]byte, error) {
		h.calls = append(h.calls, fn+" "+string(in))
		var req map[string]any
		if len(in) > 0 {
			if err := json.Unmarshal(in, &req); err != nil {
				t.Fatalf("%s: request %q is not JSON: %v", fn, in, err)
			}
		}
		res, aerr := h.handler(fn, req)
		if aerr != nil {
			return json.Marshal(abi.Envelope{Error: aerr})
		}
		raw, _ := json.Marshal(res)
		return json.Marshal(abi.Envelope{OK: true, Result: raw})
	}
}

func TestErrorsMatchSentinels(t *testing.T) {
	for code, sentinel := range sentinels {
		h := &fakeHost{handler: func(string, map[string]any) (any, *abi.Error) {
			return nil, &abi.Error{Code: code, Message: "m", Retryable: code == abi.CodeRateLimited}
		}}
		h.install(t)
		_, err := Get("x")
		if !errors.Is(err, sentinel) {
			t.Errorf("code %s: errors.Is(%v, %v) = false", code, err, sentinel)
		}
		for other, s := range sentinels {
			if other != code && errors.Is(err, s) {
				t.Errorf("code %s also matches %s", code, other)
			}
		}
		if IsRetryable(err) != (code == abi.CodeRateLimited) || CodeOf(err) != code {
			t.Errorf("code %s: retryable=%v code=%q", code, IsRetryable(err), CodeOf(err))
		}
		var e *Error
		if !errors.As(fmt.Errorf("wrapped: %w", err), &e) || e.Func != abi.FnDriveGet {
			t.Errorf("code %s: %v is not an *Error naming the function", code, err)
		}
	}
}

func TestDecodeEnvelopeErrors(t *testing.T) {
	for _, in := range []string{``, `nope`, `{"ok":false}`, `{"ok":true,"result":"str"}`} {
		var f File
		err := decodeEnvelope("wd_drive_get", []byte(in), &f)
		if CodeOf(err) != abi.CodeInternal {
			t.Errorf("decodeEnvelope(%q) = %v, want an internal error", in, err)
		}
	}
}

func TestNotInsideHost(t *testing.T) {
	old := transport
	transport = nil
	defer func() { transport = old }()
	if _, err := Get("x"); !errors.Is(err, ErrInternal) || !strings.Contains(err.Error(), "wasip1") {
		t.Errorf("Get outside a host = %v", err)
	}
}

func TestListAllPages(t *testing.T) {
	pages := map[string]ListResult{
		"":   {Items: []*File{{Name: "a"}, {Name: "b"}}, NextMarker: "m1"},
		"m1": {Items: []*File{{Name: "c"}}, NextMarker: "m2"},
		"m2": {Items: []*File{{Name: "d"}}},
	}
	h := &fakeHost{handler: func(fn string, req map[string]any) (any, *abi.Error) {
		m, _ := req["marker"].(string)
		return pages[m], nil
	}}
	h.install(t)
	var names []string
	for f, err := range ListAll(ListOptions{Path: "/x"}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
	}
	if !reflect.DeepEqual(names, []string{"a", "b", "c", "d"}) || len(h.calls) != 3 {
		t.Errorf("names %v after %d calls", names, len(h.calls))
	}
	// Breaking early stops fetching.
	h.calls = nil
	for range ListAll(ListOptions{}) {
		break
	}
	if len(h.calls) != 1 {
		t.Errorf("early break made %d calls", len(h.calls))
	}
	// An error is yielded once.
	h.handler = func(string, map[string]any) (any, *abi.Error) { return nil, &abi.Error{Code: abi.CodeNotFound} }
	n := 0
	for _, err := range ListAll(ListOptions{}) {
		n++
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("err = %v", err)
		}
	}
	if n != 1 {
		t.Errorf("%d yields on error", n)
	}
}

func TestWalkTree(t *testing.T) {
	tree := map[string][]*File{ // by parent id; "" is the root path listing
		"":   {{FileID: "a", Name: "a", Type: abi.TypeFolder}, {FileID: "f", Name: "f.txt", Type: abi.TypeFile}},
		"a":  {{FileID: "b", Name: "b", Type: abi.TypeFolder}, {FileID: "skip", Name: "skip", Type: abi.TypeFolder}},
		"b":  {{FileID: "g", Name: "g.txt", Type: abi.TypeFile}},
		"sk": nil,
	}
	h := &fakeHost{handler: func(fn string, req map[string]any) (any, *abi.Error) {
		id, _ := req["parent_file_id"].(string)
		if id == "skip" {
			t.Error("walked into a skipped folder")
		}
		return ListResult{Items: tree[id]}, nil
	}}
	h.install(t)
	var paths []string
	for f, err := range Walk("/r", func(f *File) bool { return f.Name == "skip" }) {
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, f.Path)
	}
	want := []string{"/r/a", "/r/f.txt", "/r/a/b", "/r/a/skip", "/r/a/b/g.txt"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("walk = %v, want %v", paths, want)
	}
}

func TestBatchSplitsLargeBatches(t *testing.T) {
	h := &fakeHost{handler: func(fn string, req map[string]any) (any, *abi.Error) {
		items := req["items"].([]any)
		res := make([]BatchItemResult, len(items))
		for i := range res {
			res[i].Status = 200
		}
		return abi.BatchResponse{Results: res}, nil
	}}
	h.install(t)
	items := make([]BatchItem, 2*maxItemsPerCall+5)
	for i := range items {
		items[i] = CopyItem(fmt.Sprint(i), "root")
	}
	res, err := Batch(items, BatchOptions{})
	if err != nil || len(res) != len(items) || len(h.calls) != 3 || len(Failed(res)) != 0 {
		t.Errorf("batch: %d results, %d calls, err %v", len(res), len(h.calls), err)
	}
}

func TestRunHandler(t *testing.T) {
	tests := []struct {
		name    string
		h       Handler
		out     string
		wantErr string
	}{
		{"struct", func(Ctx) (any, error) { return map[string]int{"a": 1}, nil }, `{"a":1}`, ""},
		{"bytes", func(Ctx) (any, error) { return []byte("raw"), nil }, "raw", ""},
		{"nil", func(Ctx) (any, error) { return nil, nil }, "", ""},
		{"input", func(c Ctx) (any, error) {
			var v struct{ N int }
			err := c.Decode(&v)
			return v.N, err
		}, "7", ""},
		{"error", func(Ctx) (any, error) { return nil, errors.New("boom") }, "", "boom"},
		{"panic", func(Ctx) (any, error) { panic("oops") }, "", "plugin panic: oops"},
		{"unencodable", func(Ctx) (any, error) { return func() {}, nil }, "", "encode output"},
	}
	for _, tt := range tests {
		out, err := runHandler([]byte(`{"N":7}`), tt.h)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(out) != tt.out {
			t.Errorf("%s: %q, %v; want %q", tt.name, out, err, tt.out)
		}
	}
}

func TestLogFields(t *testing.T) {
	got := fields([]any{"a", 1, "err", errors.New("x"), 3, "three", "dangling"})
	want := map[string]any{"a": 1, "err": "x", "3": "three", "dangling": "!MISSING"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
}

// TestImportsOnlyGuestSide checks that the sdk, built for Wasm, depends on
// nothing but the standard library, sdk/abi and go-pdk.
func TestImportsOnlyGuestSide(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go toolchain not on PATH")
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".")
	cmd.Env = append(cmd.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch {
		case p == "github.com/wasmdrive/wasmdrive/sdk", p == "github.com/wasmdrive/wasmdrive/sdk/abi",
			strings.HasPrefix(p, "github.com/extism/go-pdk"):
		default:
			t.Errorf("sdk depends on %s; it must import only the standard library, sdk/abi and go-pdk", p)
		}
	}
}

// FuzzDecodeEnvelope checks the guest's envelope decoder never panics.
func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(`{"ok":true,"result":{"file_id":"x"}}`))
	f.Add([]byte(`{"ok":false,"error":{"code":"not_found","message":"m","retryable":true}}`))
	f.Add([]byte(`{"ok":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var file File
		err := decodeEnvelope("fn", b, &file)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("non-*Error %v", err)
		}
	})
}
