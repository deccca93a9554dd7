package web

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/web/webtest"
)

// One browser for the package, started by the first test that needs it and
// stopped by TestMain; a tab per test.
var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserStop = func() {}
	browserErr  string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	browserStop()
	os.Exit(code)
}

// browserAvailable starts the browser if needed and reports whether there is one.
func browserAvailable() bool {
	startBrowser()
	return browserCtx != nil
}

func startBrowser() {
	browserOnce.Do(func() {
		path := webtest.ChromiumPath()
		if path == "" {
			browserErr = "no chromium: install it (apt-get install chromium) or set CHROME_PATH"
			return
		}
		ctx, stop, err := webtest.StartBrowser(path)
		if err != nil {
			browserErr = err.Error()
			return
		}
		browserCtx, browserStop = ctx, stop
	})
}

// tab opens a browser tab for one test, or skips the test without a browser.
// Browser tests run in parallel: each has its own tab and server, and much of
// their time is spent waiting on the page.
func tab(t *testing.T) context.Context {
	t.Helper()
	t.Parallel()
	return newTab(t)
}

// newTab opens a tab in the shared browser, or skips the test without one.
func newTab(t *testing.T) context.Context {
	t.Helper()
	startBrowser()
	if browserCtx == nil {
		t.Skip(browserErr)
	}
	// Its own browser context: tests sign in with different tokens, and
	// cookies ignore the port that tells their servers apart.
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel2)
	return ctx
}

// artifacts is where screenshots go: $WASMDRIVE_ARTIFACTS, or a temp dir.
func artifacts(t *testing.T) string {
	if d := os.Getenv("WASMDRIVE_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// shot saves a PNG of the whole page.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(artifacts(t), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// poll waits until a JS expression is truthy.
func poll(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " | conn: " + (document.getElementById("conn") || {}).textContent + " | " + (document.getElementById("main") || document.body).innerText.slice(0, 600)`))
		t.Fatalf("waiting for %s: %v\npage: %s", expr, err, state)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// evalAwait evaluates an expression that returns a promise.
func evalAwait[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

const liveJS = `document.getElementById("conn").dataset.state === "live"`

// seedRuns gives the console a realistic history.
func seedRuns(t *testing.T, ts *testServer) (failed string) {
	t.Helper()
	ok := ts.runs.Create("backup", "schedule:backup/0@2026-11-27T02:00:00Z", "home", nil)
	_ = ts.runs.Start(ok.ID)
	_ = ts.runs.Finish(ok.ID, []byte(`{"files":1204,"bytes":5368709120,"skipped":18}`), "")
	bad := ts.runs.Create("archive", "subject:files.new", "work", nil)
	_ = ts.runs.Start(bad.ID)
	_, _ = ts.runs.Log(bad.ID, runner.LevelError, "upload failed", map[string]any{"path": "/archive/2026/q3.tar"})
	_ = ts.runs.Finish(bad.ID, nil, "upload /archive/2026/q3.tar: drive quota exceeded (code QuotaExhausted)\n  at archive.run")
	run := ts.runs.Create("backup", "manual", "home", nil)
	_ = ts.runs.Start(run.ID)
	_ = ts.runs.Progress(run.ID, runner.Progress{Done: 412, Total: 1000, Unit: "files"})
	return bad.ID
}

// The main journey: runs list, run now from a plugin's form, live log,
// untrusted log text, failure and retry, filters; screenshots on the way.
// State changes need the console token, so the page signs in first.
func TestBrowserConsole(t *testing.T) {
	ctx := tab(t)
	ts := newTestServer(t, Options{Token: "s3cret"})
	seedRuns(t, ts)
	must(t, "sign in", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/?token=s3cret")))
	must(t, "open", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 860), chromedp.Navigate(ts.http.URL+"/#/runs")))
	poll(t, ctx, liveJS)
	poll(t, ctx, `document.querySelectorAll("#runs-list .run").length === 3`)
	if n := eval[int](t, ctx, `document.querySelectorAll("#runs-list .run.failed .err").length`); n != 1 {
		t.Errorf("failed runs with an error line: %d, want 1", n)
	}
	shot(t, ctx, "runs-desktop")

	// Run now with the form generated from the config schema.
	must(t, "plugins", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/#/plugins")))
	poll(t, ctx, `document.querySelectorAll("#plugins .plugin-card").length === 3`)
	poll(t, ctx, `/^in \d+h/.test(document.querySelector('[data-plugin="backup"] .countdown').textContent)`)
	shot(t, ctx, "plugins-desktop")
	must(t, "enable cleanup", chromedp.Do(ctx, chromedp.Click(`[data-plugin="cleanup"] button[data-action="toggle"]`)))
	poll(t, ctx, `document.querySelector('[data-plugin="cleanup"] .badge').textContent === "enabled"`)
	must(t, "run now", chromedp.Do(ctx,
		chromedp.Click(`[data-plugin="backup"] button[data-action="run"]`),
		chromedp.SendKeys(`form[data-plugin="backup"] input[name="source"]`, "/srv/photos"),
		chromedp.Click(`form[data-plugin="backup"] button[type="submit"]`)))
	poll(t, ctx, `location.hash.startsWith("#/runs/r")`)
	id := strings.TrimPrefix(eval[string](t, ctx, `location.hash`), "#/runs/")
	rec, err := ts.runs.GetRun(ctx, id)
	must(t, "get triggered run", err)
	if string(rec.Input) != `{"source":"/srv/photos","keep":7,"dry_run":false,"mode":"fast"}` {
		t.Errorf("run input = %s", rec.Input)
	}

	// Its log arrives live, including hostile text that must stay text.
	poll(t, ctx, `document.getElementById("streaming").dataset.on === "true"`)
	_ = ts.runs.Start(id)
	for i := range 40 {
		_, _ = ts.runs.Log(id, runner.LevelInfo, fmt.Sprintf("uploaded photo %03d.jpg", i), map[string]any{"bytes": 1000 + i})
	}
	_, _ = ts.runs.Log(id, runner.LevelWarn, `<img src=x onerror=window.__pwned=1>`, map[string]any{"name": `<script>window.__pwned=1</script>`})
	_, _ = ts.runs.Log(id, runner.LevelError, `<script>window.__pwned=1</script>`, nil)
	poll(t, ctx, `document.querySelectorAll("#log .line").length === 42`)
	text := eval[string](t, ctx, `document.getElementById("log").textContent`)
	for _, want := range []string{"uploaded photo 039.jpg", `<img src=x onerror=window.__pwned=1>`, `<script>window.__pwned=1</script>`} {
		if !strings.Contains(text, want) {
			t.Errorf("log text lacks %q", want)
		}
	}
	if pwned := eval[string](t, ctx, `typeof window.__pwned`); pwned != "undefined" {
		t.Fatalf("plugin log text ran as script: window.__pwned is %s", pwned)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#log img, #log script").length`); n != 0 {
		t.Errorf("log holds %d img/script elements", n)
	}
	// Level filter and search.
	must(t, "level", chromedp.Do(ctx, chromedp.SetValue("#level", "2"), chromedp.Evaluate[chromedp.Void](`document.getElementById("level").dispatchEvent(new Event("change"))`)))
	if n := eval[int](t, ctx, `[...document.querySelectorAll("#log .line")].filter(e => !e.hidden).length`); n != 2 {
		t.Errorf("warn+ filter shows %d lines, want 2", n)
	}
	must(t, "level all", chromedp.Do(ctx, chromedp.SetValue("#level", "0"), chromedp.Evaluate[chromedp.Void](`document.getElementById("level").dispatchEvent(new Event("change"))`)))
	must(t, "search", chromedp.Do(ctx, chromedp.SendKeys("#search", "photo 01")))
	if n := eval[int](t, ctx, `[...document.querySelectorAll("#log .line")].filter(e => !e.hidden).length`); n != 10 {
		t.Errorf("search shows %d lines, want 10", n)
	}
	must(t, "clear search", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("search").value = ""; document.getElementById("search").dispatchEvent(new Event("input"))`)))
	_ = ts.runs.Progress(id, runner.Progress{Done: 40, Total: 120, Unit: "files"})
	poll(t, ctx, `document.querySelector(".run-head .bar-label") && document.querySelector(".run-head .bar-label").textContent.startsWith("40 / 120")`)
	shot(t, ctx, "run-live-desktop")

	// It fails: the error shows, and Retry queues a new run.
	_ = ts.runs.Finish(id, nil, "upload /backups/photos/040.jpg: connection reset by peer")
	poll(t, ctx, `document.getElementById("run-status").textContent === "failed" && !!document.getElementById("retry")`)
	if e := eval[string](t, ctx, `document.getElementById("run-error").textContent`); !strings.Contains(e, "connection reset") {
		t.Errorf("error box = %q", e)
	}
	shot(t, ctx, "run-failed-desktop")
	must(t, "retry", chromedp.Do(ctx, chromedp.Click("#retry")))
	poll(t, ctx, `location.hash !== "#/runs/`+id+`"`)
	retried, _ := ts.runs.ListRuns(ctx, runner.RunFilter{Trigger: "retry:" + id})
	if len(retried) != 1 {
		t.Fatalf("runs retrying %s: %d, want 1", id, len(retried))
	}

	// Filters: failed only, then by plugin.
	must(t, "runs", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/#/runs")))
	poll(t, ctx, `document.querySelectorAll("#runs-list .run").length === 5`)
	must(t, "failed only", chromedp.Do(ctx, chromedp.Click("#failed-only")))
	poll(t, ctx, `location.hash === "#/runs?status=failed" && document.querySelectorAll("#runs-list .run").length === 2`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#runs-list .run:not([data-status="failed"])').length`); n != 0 {
		t.Errorf("failed-only shows %d other runs", n)
	}
	must(t, "plugin filter", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/#/runs?plugin=archive")))
	poll(t, ctx, `document.querySelectorAll("#runs-list .run").length === 1`)

	// Phone width.
	must(t, "phone", chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(ts.http.URL+"/#/runs")))
	poll(t, ctx, `document.querySelectorAll("#runs-list .run").length === 5`)
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("phone layout scrolls sideways: width %d", w)
	}
	shot(t, ctx, "runs-phone")
	must(t, "phone run", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/#/runs/"+id)))
	poll(t, ctx, `document.querySelectorAll("#log .line").length === 42`)
	shot(t, ctx, "run-phone")
}

// After the connection drops, the page reconnects and resumes the log from
// the last line it showed: no line missing, none twice.
func TestBrowserReconnectResumes(t *testing.T) {
	ctx := tab(t)
	ts := newTestServer(t, Options{})
	run := ts.runs.Create("backup", "manual", "home", nil).ID
	_ = ts.runs.Start(run)
	var want []uint64
	want = append(want, logN(t, ts.runs, run, 30, "before the drop")...)
	must(t, "open", chromedp.Do(ctx, chromedp.Navigate(ts.http.URL+"/#/runs/"+run)))
	poll(t, ctx, liveJS)
	poll(t, ctx, `document.querySelectorAll("#log .line").length === 30`)

	// Drop every websocket; log while the page is away.
	ts.hub.mu.Lock()
	for c := range ts.hub.clients {
		c.kill(closeGoingAway, "test drop")
	}
	ts.hub.mu.Unlock()
	poll(t, ctx, `document.getElementById("conn").dataset.state === "offline"`)
	want = append(want, logN(t, ts.runs, run, 30, "while away")...)
	poll(t, ctx, liveJS)
	want = append(want, logN(t, ts.runs, run, 30, "after")...)
	poll(t, ctx, `document.querySelectorAll("#log .line").length >= 90`)
	got := eval[[]uint64](t, ctx, `[...document.querySelectorAll("#log .line")].map(e => Number(e.dataset.seq))`)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log after reconnect:\n got %v\nwant %v", got, want)
	}
}

// Auto-scroll follows the log while pinned to the bottom, stops when the
// user scrolls up, and Pause holds lines back until Resume.
func TestBrowserScrollAndPause(t *testing.T) {
	ctx := tab(t)
	ts := newTestServer(t, Options{})
	run := ts.runs.Create("backup", "manual", "", nil).ID
	logN(t, ts.runs, run, 200, "line")
	must(t, "open", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 860), chromedp.Navigate(ts.http.URL+"/#/runs/"+run)))
	poll(t, ctx, `document.querySelectorAll("#log .line").length === 200`)
	atBottom := `(() => { const l = document.getElementById("log"); return l.scrollTop + l.clientHeight >= l.scrollHeight - 8; })()`
	poll(t, ctx, atBottom)
	must(t, "scroll up", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("log").scrollTop = 0; document.getElementById("log").dispatchEvent(new Event("scroll"))`)))
	logN(t, ts.runs, run, 50, "more")
	poll(t, ctx, `document.querySelectorAll("#log .line").length === 250`)
	if top := eval[float64](t, ctx, `document.getElementById("log").scrollTop`); top != 0 {
		t.Errorf("scrolled to %v while the user was reading above", top)
	}
	poll(t, ctx, `!document.getElementById("jump").hidden`)
	must(t, "jump", chromedp.Do(ctx, chromedp.Click("#jump")))
	poll(t, ctx, atBottom)
	must(t, "pause", chromedp.Do(ctx, chromedp.Click("#pause")))
	logN(t, ts.runs, run, 10, "held")
	poll(t, ctx, `document.getElementById("log-count").textContent.includes("10 held")`)
	if n := eval[int](t, ctx, `document.querySelectorAll("#log .line").length`); n != 250 {
		t.Errorf("paused log shows %d lines, want 250", n)
	}
	must(t, "resume", chromedp.Do(ctx, chromedp.Click("#pause")))
	poll(t, ctx, `document.querySelectorAll("#log .line").length === 260`)
	poll(t, ctx, atBottom)
}

// With a token, the page asks for it once, then shows the console; an empty
// console says what to do.
func TestBrowserLoginAndEmptyState(t *testing.T) {
	ctx := tab(t)
	ts := newTestServer(t, Options{Token: "s3cret", BindAddr: "0.0.0.0:8377"})
	must(t, "open", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 640), chromedp.Navigate(ts.http.URL+"/")))
	poll(t, ctx, `!!document.getElementById("token")`)
	shot(t, ctx, "login")
	must(t, "sign in", chromedp.Do(ctx, chromedp.SendKeys("#token", "s3cret"), chromedp.Submit("#token"), chromedp.WaitVisible("#conn")))
	poll(t, ctx, liveJS)
	poll(t, ctx, `document.querySelector("#runs-list .empty strong") && document.querySelector("#runs-list .empty strong").textContent === "No runs yet"`)
	shot(t, ctx, "runs-empty")
	// The cookie carries the session to the API, and the page's CSRF token
	// to a mutation.
	ok := evalAwait[bool](t, ctx, `fetch("/api/plugins/cleanup/enable", {method: "POST", headers: {"X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content}}).then(r => r.ok)`)
	if !ok {
		t.Errorf("enable from the signed-in page failed")
	}
	if evalAwait[bool](t, ctx, `fetch("/api/plugins/cleanup/disable", {method: "POST"}).then(r => r.ok)`) {
		t.Errorf("a POST without the CSRF token succeeded")
	}
}
