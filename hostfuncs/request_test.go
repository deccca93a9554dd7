package hostfuncs

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive/openapi"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestStarDoesNotGrantRawRequest checks that "*" leaves out the raw
// request, which must be named.
func TestStarDoesNotGrantRawRequest(t *testing.T) {
	p := newProbe(t, Grant{Functions: []string{"*"}, Drive: DriveGrant{Read: []string{"/A"}}})
	e := p.one(t, abi.FnDriveRequest, abi.RawRequest{Path: openapi.PathDriveInfo})
	if code(e) != abi.CodePermissionDenied || !strings.Contains(e.Error.Message, "function:"+abi.FnDriveRequest) {
		t.Errorf(`raw request under "*": %+v`, e.Error)
	}
	in := Intersect(Grant{Functions: []string{"*"}}, Grant{Functions: []string{"*", "drive.request"}})
	if in.AllowsFunction(abi.FnDriveRequest) {
		t.Errorf(`asking "*" under a grant naming drive.request yields the raw request: %v`, in.Functions)
	}
}

// TestRawRequestKeepsToTheGrant drives the raw request, granted by name on
// /A, at files inside and outside /A and at endpoints the host cannot check.
func TestRawRequestKeepsToTheGrant(t *testing.T) {
	g := Grant{Functions: []string{"drive.read", "drive.request"},
		Drive: DriveGrant{Read: []string{"/A"}, Write: []string{"/A"}}}
	p := newProbe(t, g)
	ctx := context.Background()
	a, _ := p.drive.MkdirAll(ctx, "/A/in")
	secret, _ := p.drive.MkdirAll(ctx, "/B/secret-name")
	get := func(body map[string]any) abi.RawRequest {
		return abi.RawRequest{Path: openapi.PathGet, Body: mustJSON(t, body)}
	}
	tests := []struct {
		name string
		req  abi.RawRequest
		code string
	}{
		{"get inside", get(map[string]any{"file_id": a.FileID}), ""},
		{"get inside on the drive", get(map[string]any{"drive_id": "local", "file_id": a.FileID}), ""},
		{"get outside", get(map[string]any{"file_id": secret.FileID}), abi.CodePermissionDenied},
		{"get missing", get(map[string]any{"file_id": "no-such-id"}), abi.CodePermissionDenied},
		{"get other drive", get(map[string]any{"drive_id": "other", "file_id": a.FileID}), abi.CodePermissionDenied},
		{"get unknown key", get(map[string]any{"file_id": a.FileID, "FILE_ID": secret.FileID}), abi.CodePermissionDenied},
		{"list outside", abi.RawRequest{Path: openapi.PathList, Body: mustJSON(t, map[string]any{"parent_file_id": secret.FileID})}, abi.CodePermissionDenied},
		{"list root", abi.RawRequest{Path: openapi.PathList, Body: mustJSON(t, map[string]any{"parent_file_id": "root"})}, abi.CodePermissionDenied},
		{"list inside", abi.RawRequest{Path: openapi.PathList, Body: mustJSON(t, map[string]any{"parent_file_id": a.FileID})}, ""},
		{"get_by_path outside", abi.RawRequest{Path: openapi.PathGetByPath, Body: mustJSON(t, map[string]any{"file_path": "/B/secret-name"})}, abi.CodePermissionDenied},
		{"search", abi.RawRequest{Path: openapi.PathSearch, Body: mustJSON(t, map[string]any{"query": `name match "secret"`})}, abi.CodePermissionDenied},
		{"share list", abi.RawRequest{Path: openapi.PathListShares}, abi.CodePermissionDenied},
		{"odd path", abi.RawRequest{Path: openapi.PathGet + "/../search"}, abi.CodePermissionDenied},
	}
	for _, tt := range tests {
		e := p.one(t, abi.FnDriveRequest, tt.req)
		if code(e) != tt.code {
			t.Errorf("%s: %+v, want %q", tt.name, e.Error, tt.code)
		}
		if e.Error != nil && strings.Contains(e.Error.Message, "secret-name") && tt.name != "get_by_path outside" {
			t.Errorf("%s: the refusal names the hidden path: %s", tt.name, e.Error.Message)
		}
		if tt.code == "" && strings.Contains(string(e.Result), "secret-name") {
			t.Errorf("%s: the answer shows the hidden file: %s", tt.name, e.Result)
		}
	}
	// Every call is audited, the refusals with the path they reached for.
	recs := p.auditRecords(t)
	if len(recs) != len(tests) {
		t.Fatalf("%d audit records for %d raw requests", len(recs), len(tests))
	}
	if r := recs[2]; r.Result != abi.CodePermissionDenied || len(r.Paths) != 1 || r.Paths[0] != "/B/secret-name" || r.RunID != "run-1" {
		t.Errorf("audit of the refused get = %+v", r)
	}
}
