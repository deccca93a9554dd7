package hostfuncs

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestShareGrantKeepsToItsFolder checks the share functions under a share
// grant on /A: the list holds only shares of files under /A, passwords
// only of shares this run created, and a share outside /A cannot be
// cancelled.
func TestShareGrantKeepsToItsFolder(t *testing.T) {
	g := Grant{Functions: []string{"drive.read", "drive.share"},
		Drive: DriveGrant{Read: []string{"/A"}, Share: []string{"/A"}}}
	p := newProbe(t, g)
	ctx := context.Background()
	a, _ := p.drive.MkdirAll(ctx, "/A/docs")
	b, _ := p.drive.MkdirAll(ctx, "/B/private")
	// Shares the user made outside the plugin, newest last: enough outside
	// /A that a page of the backend holds none of /A.
	userA, err := p.drive.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{a.FileID}, Password: "pw-user-a"})
	if err != nil {
		t.Fatal(err)
	}
	var outside []string
	for range 105 { // more than a backend page
		sh, err := p.drive.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{b.FileID}, Password: "pw-user-b"})
		if err != nil {
			t.Fatal(err)
		}
		outside = append(outside, sh.ShareID)
	}
	mixed, _ := p.drive.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{a.FileID, b.FileID}, Password: "pw-mixed"})

	env := p.do(t,
		probeCall{Fn: abi.FnShareCreate, Req: abi.ShareRequest{FileIDs: []string{a.FileID}, Password: "pw-mine"}},
		probeCall{Fn: abi.FnShareList, Req: abi.ShareListRequest{Limit: 2}},
		probeCall{Fn: abi.FnShareCancel, Req: abi.ShareCancelRequest{ShareID: outside[0]}},
		probeCall{Fn: abi.FnShareCancel, Req: abi.ShareCancelRequest{ShareID: mixed.ShareID}},
		probeCall{Fn: abi.FnShareCancel, Req: abi.ShareCancelRequest{ShareID: "no-such-share"}},
	)
	var mine drive.Share
	result(t, env[0], &mine)
	var list drive.ShareList
	result(t, env[1], &list)
	got := map[string]string{}
	for _, sh := range list.Items {
		got[sh.ShareID] = sh.Password
	}
	want := map[string]string{mine.ShareID: "pw-mine", userA.ShareID: ""}
	if len(got) != len(want) || got[mine.ShareID] != "pw-mine" || got[userA.ShareID] != "" {
		t.Errorf("share list = %v, want %v", got, want)
	}
	if strings.Contains(string(env[1].Result), "pw-user") || strings.Contains(string(env[1].Result), outside[0]) {
		t.Errorf("the list shows a share or password it must not: %s", env[1].Result)
	}
	// The marker of the full page leads to the end, revealing nothing.
	if list.NextMarker != "" {
		rest := p.one(t, abi.FnShareList, abi.ShareListRequest{Limit: 2, Marker: list.NextMarker})
		var more drive.ShareList
		result(t, rest, &more)
		if len(more.Items) != 0 || more.NextMarker != "" {
			t.Errorf("second page = %s", rest.Result)
		}
	}
	for i, e := range env[2:] {
		if code(e) != abi.CodePermissionDenied {
			t.Errorf("cancel %d: %+v, want permission_denied", i, e.Error)
		} else if strings.Contains(e.Error.Message, "/B") {
			t.Errorf("cancel %d: the refusal names a path outside the grant: %s", i, e.Error.Message)
		}
	}
	live := map[string]bool{}
	for marker := "x"; marker != ""; {
		res, err := p.drive.ListShares(ctx, drive.ListOptions{Limit: 100, Marker: strings.TrimPrefix(marker, "x")})
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range res.Items {
			live[sh.ShareID] = true
		}
		marker = res.NextMarker
	}
	if !live[outside[0]] || !live[mixed.ShareID] {
		t.Errorf("a share outside /A was cancelled")
	}
	// Each refused cancel is audited with the share and the path it reached.
	var refused []AuditRecord
	for _, r := range p.auditRecords(t) {
		if r.Op == abi.FnShareCancel && r.Result == abi.CodePermissionDenied {
			refused = append(refused, r)
		}
	}
	if len(refused) != 3 || refused[0].Target != outside[0] || len(refused[0].Paths) == 0 || refused[0].Paths[0] != "/B/private" ||
		refused[0].RunID != "run-1" || refused[0].Plugin != "test" {
		t.Errorf("audited refusals = %+v", refused)
	}
}
