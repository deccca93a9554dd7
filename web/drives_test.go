package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// localDrives opens a local drive with a small backup tree in it.
func localDrives(t *testing.T) DriveSet {
	t.Helper()
	d, err := local.Open(t.TempDir(), local.Options{QuotaBytes: 64 << 20, UserName: "home", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ctx := t.Context()
	dir, err := d.MkdirAll(ctx, "/backups/2026-11-27")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.MkdirAll(ctx, "/archive"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ name, body string }{
		{"manifest.json", `{"files":3}`},
		{"chunk-0001.bin", strings.Repeat("a", 300<<10)},
		{"chunk-0002.bin", strings.Repeat("b", 120<<10)},
	} {
		_, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: f.name, Size: int64(len(f.body)), Content: strings.NewReader(f.body)})
		if err != nil {
			t.Fatalf("upload %s: %v", f.name, err)
		}
	}
	return DriveSet{"home": d}
}

func TestAPIDrives(t *testing.T) {
	ts := newTestServer(t, Options{Token: "tok", Drives: localDrives(t)})
	var sum struct{ Drives []driveSummary }
	if code := api(t, ts, "GET", "/api/drives", "", &sum); code != 200 || len(sum.Drives) != 1 || sum.Drives[0].Used < 420<<10 || sum.Drives[0].Total != 64<<20 {
		t.Fatalf("drives: %d %+v", code, sum)
	}
	for _, tc := range []struct {
		path  string
		code  int
		names string
	}{
		{"/", 200, "archive,backups"},
		{"", 200, "archive,backups"},
		{"/backups/2026-11-27", 200, "chunk-0001.bin,chunk-0002.bin,manifest.json"},
		{"/backups/../backups/2026-11-27/", 200, "chunk-0001.bin,chunk-0002.bin,manifest.json"},
		{"/backups/2026-11-27/manifest.json", 400, ""},
		{"/nope", 404, ""},
	} {
		var out struct{ Items []listEntry }
		code := api(t, ts, "GET", "/api/drives/home/list?path="+tc.path, "", &out)
		var names []string
		for _, it := range out.Items {
			names = append(names, it.Name)
		}
		if code != tc.code || strings.Join(names, ",") != tc.names {
			t.Errorf("list %q: %d %v, want %d %s", tc.path, code, names, tc.code, tc.names)
		}
	}
	if code := api(t, ts, "GET", "/api/drives/nobody/list", "", nil); code != 404 {
		t.Errorf("unknown account: %d, want 404", code)
	}
}

func TestBrowserDrive(t *testing.T) {
	ctx := tab(t)
	ts := newTestServer(t, Options{Drives: localDrives(t)})
	must(t, "open", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 700), chromedp.Navigate(ts.http.URL+"/#/drives")))
	poll(t, ctx, `document.querySelectorAll("#drives .drive-card").length === 1`)
	shot(t, ctx, "drives-desktop")
	must(t, "browse", chromedp.Do(ctx, chromedp.Click(`[data-account="home"] a.btn`)))
	poll(t, ctx, `document.querySelectorAll("#files tbody tr").length === 2`)
	must(t, "into backups", chromedp.Do(ctx, chromedp.Click(`#files tbody a[href$="backups"]`)))
	poll(t, ctx, `location.hash.endsWith("backups") && document.querySelectorAll("#files tbody a").length === 1`)
	must(t, "into the day", chromedp.Do(ctx, chromedp.Click(`#files tbody a[href$="2026-11-27"]`)))
	poll(t, ctx, `document.querySelectorAll("#files tbody tr").length === 3`)
	text := eval[string](t, ctx, `document.getElementById("files").textContent`)
	if !strings.Contains(text, "chunk-0001.bin") || !strings.Contains(text, "300.0 KB") {
		t.Errorf("folder listing = %q", text)
	}
	shot(t, ctx, "drive-folder-desktop")
}

// TestBrowserDriveShares: the Drive page lists an account's share links;
// Cancel removes one (through the API), and a read-only console shows no
// Cancel. The listed link opens the share page, which the console serves.
func TestBrowserDriveShares(t *testing.T) {
	for _, token := range []string{"tok", ""} {
		t.Run("token="+token, func(t *testing.T) {
			ctx := tab(t)
			drives := localDrives(t)
			d := drives["home"].(*local.Drive)
			f, err := d.GetByPath(t.Context(), "/backups/2026-11-27/manifest.json")
			if err != nil {
				t.Fatal(err)
			}
			sh, err := d.CreateShare(t.Context(), drive.ShareRequest{FileIDs: []string{f.FileID}, Password: "pw"})
			if err != nil {
				t.Fatal(err)
			}
			ts := newTestServer(t, Options{Token: token, Drives: drives})
			url := ts.http.URL + "/#/drives"
			if token != "" {
				must(t, "sign in", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/?token="+token)))
			}
			must(t, "open", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 700), chromedp.Navigate(url)))
			row := `document.querySelector('#drives li[data-share="` + sh.ShareID + `"]')`
			poll(t, ctx, "!!"+row)
			if text := eval[string](t, ctx, row+".textContent"); !strings.Contains(text, "manifest.json") || !strings.Contains(text, "password") {
				t.Errorf("share row = %q", text)
			}
			page := evalAwait[string](t, ctx, `fetch(`+row+`.querySelector("a").href + "?pwd=pw").then(r => r.status + " " + r.headers.get("content-type"))`)
			if !strings.HasPrefix(page, "200 text/html") {
				t.Errorf("share page from the listed link: %s", page)
			}
			shot(t, ctx, "drive-shares-"+map[bool]string{true: "token", false: "readonly"}[token != ""])
			if token == "" {
				if eval[bool](t, ctx, `!!document.querySelector('#drives button[data-share]')`) {
					t.Fatal("a read-only console shows Cancel")
				}
				return
			}
			must(t, "cancel", chromedp.Do(ctx, chromedp.Click(`#drives button[data-share="`+sh.ShareID+`"]`)))
			poll(t, ctx, "!"+row)
			list, err := d.ListShares(t.Context(), drive.ListOptions{})
			if err != nil || len(list.Items) != 0 {
				t.Fatalf("shares after Cancel: %+v, %v", list, err)
			}
		})
	}
}
