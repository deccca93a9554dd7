package hostfuncs

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// leaks reports whether s, or s decoded from base64, holds any of secrets.
func leaks(s string, secrets []string) string {
	texts := []string{s}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		for _, part := range append([]string{s}, strings.Split(s, ".")...) {
			if b, err := enc.DecodeString(part); err == nil {
				texts = append(texts, string(b))
			}
		}
	}
	for _, t := range texts {
		for _, sec := range secrets {
			if strings.Contains(t, sec) {
				return sec
			}
		}
	}
	return ""
}

// TestSearchUnderGrantLeaksNothing searches, under a read grant on /A, a
// drive whose matches are mostly outside /A: the pages are full, and
// neither the results, the markers nor the errors of calls on what they
// could reveal show a file outside /A.
func TestSearchUnderGrantLeaksNothing(t *testing.T) {
	g := Grant{Functions: []string{"drive.read"}, Drive: DriveGrant{Read: []string{"/A"}}}
	p := newProbe(t, g)
	ctx := context.Background()
	dirA, _ := p.drive.MkdirAll(ctx, "/A")
	dirB, _ := p.drive.MkdirAll(ctx, "/B-hidden")
	var secrets []string
	mk := func(parent *drive.File, name string) *drive.File {
		cr, err := p.drive.CreateFolder(ctx, parent.FileID, name, drive.NameRefuse)
		if err != nil {
			t.Fatal(err)
		}
		return cr.File
	}
	// Names sort a0 < a1 < h…, so visible and hidden results interleave.
	var want []string
	for i := range 7 {
		want = append(want, mk(dirA, fmt.Sprintf("report-a%d", i)).Name)
		for j := range 3 {
			f := mk(dirB, fmt.Sprintf("report-a%d-hidden%d", i, j))
			secrets = append(secrets, f.Name, f.FileID)
		}
	}
	var got []string
	marker := ""
	for page := 0; ; page++ {
		e := p.one(t, abi.FnDriveSearch, abi.SearchRequest{Query: `name match "report"`, Limit: 3, Marker: marker, OrderBy: "name ASC"})
		var res drive.ListResult
		result(t, e, &res)
		for _, f := range res.Items {
			got = append(got, f.Name)
		}
		if s := leaks(string(e.Result), secrets) + leaks(res.NextMarker, secrets); s != "" {
			t.Fatalf("page %d shows %q of a file outside /A: %s", page, s, e.Result)
		}
		if res.NextMarker == "" {
			break
		}
		if len(res.Items) != 3 {
			t.Errorf("page %d holds %d results and a marker; want full pages", page, len(res.Items))
		}
		marker = res.NextMarker
		if page > 10 {
			t.Fatal("search does not end")
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("results = %v, want %v", got, want)
	}
	// A marker of the drive itself, or of another grant, is refused.
	raw, _ := p.drive.Search(ctx, drive.SearchOptions{Query: `name match "report"`, Limit: 2})
	first := p.one(t, abi.FnDriveSearch, abi.SearchRequest{Query: `name match "report"`, Limit: 2})
	var res drive.ListResult
	result(t, first, &res)
	if e := p.one(t, abi.FnDriveSearch, abi.SearchRequest{Query: `name match "report"`, Marker: raw.NextMarker}); code(e) != abi.CodeInvalidArgument {
		t.Errorf("a drive marker: %+v, want invalid_argument", e.Error)
	}
	p.env.Grant = Grant{Functions: []string{"drive.read"}, Drive: DriveGrant{Read: []string{"/A", "/B-hidden"}}}
	if e := p.one(t, abi.FnDriveSearch, abi.SearchRequest{Query: `name match "report"`, Marker: res.NextMarker}); code(e) != abi.CodeInvalidArgument {
		t.Errorf("a marker of another grant: %+v, want invalid_argument", e.Error)
	}
}

// TestRefusalsNameNoHiddenPath checks that an id outside the grant and an
// id that does not exist are refused alike, without the path of the first.
func TestRefusalsNameNoHiddenPath(t *testing.T) {
	g := Grant{Functions: []string{"drive"}, Drive: DriveGrant{Read: []string{"/A"}, Write: []string{"/A"},
		Delete: []string{"/A"}, Share: []string{"/A"}}}
	p := newProbe(t, g)
	ctx := context.Background()
	a, _ := p.drive.MkdirAll(ctx, "/A")
	hidden, _ := p.drive.MkdirAll(ctx, "/B/hidden-name")
	const missing = "no-such-id-000"
	for _, c := range []struct {
		fn  string
		req func(id string) any
	}{
		{abi.FnDriveGet, func(id string) any { return abi.GetRequest{FileID: id} }},
		{abi.FnDriveList, func(id string) any { return abi.ListRequest{ParentFileID: id} }},
		{abi.FnDriveDownloadURL, func(id string) any { return abi.DownloadURLRequest{FileID: id} }},
		{abi.FnDriveRename, func(id string) any { return abi.RenameRequest{FileID: id, Name: "x"} }},
		{abi.FnDriveCopy, func(id string) any { return abi.CopyRequest{FileID: id, ToParentID: a.FileID} }},
		{abi.FnDriveTrash, func(id string) any { return abi.FileRequest{FileID: id} }},
		{abi.FnShareCreate, func(id string) any { return abi.ShareRequest{FileIDs: []string{id}} }},
	} {
		es := p.do(t, probeCall{Fn: c.fn, Req: c.req(hidden.FileID)}, probeCall{Fn: c.fn, Req: c.req(missing)})
		h, m := es[0], es[1]
		if code(h) != abi.CodePermissionDenied || code(m) != abi.CodePermissionDenied {
			t.Errorf("%s: hidden %+v, missing %+v; want both permission_denied", c.fn, h.Error, m.Error)
			continue
		}
		if strings.Contains(h.Error.Message, "hidden-name") || strings.Contains(h.Error.Message, "/B") {
			t.Errorf("%s: the refusal names the hidden path: %s", c.fn, h.Error.Message)
		}
		if strings.ReplaceAll(h.Error.Message, hidden.FileID, "ID") != strings.ReplaceAll(m.Error.Message, missing, "ID") {
			t.Errorf("%s: refusals differ:\n%s\n%s", c.fn, h.Error.Message, m.Error.Message)
		}
	}
}
