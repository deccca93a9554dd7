package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/internal/demo"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// startConsoleNode is startNode with the web console on a free loopback
// port; it returns the console's base URL.
func startConsoleNode(t *testing.T, dir string, override ...map[string]any) (*node, string) {
	t.Helper()
	var over map[string]any
	if len(override) > 0 {
		over = override[0]
	}
	a, err := New(context.Background(), Options{Config: testConfig(t, dir, over), ConsoleAddr: "127.0.0.1:0", PluginBuilder: builder,
		PluginCacheDir: pluginCache, Grace: time.Second, Queue: queue.Options{AckWait: 2 * time.Second, LeaseTTL: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{App: a, stop: cancel, done: make(chan error, 1)}
	go func() { n.done <- a.Run(ctx) }()
	t.Cleanup(n.shutdown)
	return n, "http://" + a.console.ln.Addr().String()
}

// consolePlugins reads GET /api/plugins from the console.
func consolePlugins(t *testing.T, base string) map[string]runner.PluginInfo {
	t.Helper()
	resp, err := http.Get(base + "/api/plugins")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Plugins []runner.PluginInfo `json:"plugins"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/plugins: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	out := map[string]runner.PluginInfo{}
	for _, p := range body.Plugins {
		out[p.Name] = p
	}
	return out
}

// TestConsoleShowsLastRunOfRealService runs a plugin through the serve
// wiring (JetStream queue, runner.Host, console) and checks that the
// console's plugin list names that run as the plugin's last run.
func TestConsoleShowsLastRunOfRealService(t *testing.T) {
	n, base := startConsoleNode(t, t.TempDir())
	if p := consolePlugins(t, base)["relay"]; p.LastRun != nil {
		t.Fatalf("before any run: last_run = %+v", p.LastRun)
	}
	rec, err := n.Service.Trigger(context.Background(), "relay", "noop", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, n.Service, runner.RunFilter{Plugin: "relay"}, func(r *runner.RunRecord) bool {
		return r.ID == rec.ID && r.Status == runner.StatusSucceeded
	})
	p := consolePlugins(t, base)["relay"]
	if p.LastRun == nil || p.LastRun.ID != rec.ID || p.LastRun.Status != runner.StatusSucceeded {
		t.Fatalf("last_run = %+v, want run %s succeeded", p.LastRun, rec.ID)
	}
}

// TestConsoleShowsDemoRuns runs the demo into a data folder, then serves
// that folder: the console lists the demo's runs, with their logs.
func TestConsoleShowsDemoRuns(t *testing.T) {
	dir := t.TempDir()
	// The demo keeps dir/cache (plugin builds): share it across test runs.
	shared := filepath.Join(os.TempDir(), "wasmdrive-app-test-demo-cache")
	if err := os.MkdirAll(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(shared, filepath.Join(dir, "cache")); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Run(context.Background(), demo.Options{Dir: dir, Out: io.Discard}); err != nil {
		t.Fatal(err)
	}
	_, base := startConsoleNode(t, dir)
	resp, err := http.Get(base + "/api/runs?limit=100")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Runs []*runner.RunRecord `json:"runs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	var backup *runner.RunRecord
	for _, r := range body.Runs {
		if r.Status == runner.StatusSucceeded {
			count[r.Plugin+"."+r.Entry]++
		}
		if r.Plugin == "backup" && r.Entry == "backup" {
			backup = r
		}
	}
	// backup twice, restore and verify; archive and cleanup a dry run and a real one.
	for name, want := range map[string]int{"backup.backup": 2, "backup.restore": 1, "archive.archive": 2, "cleanup.cleanup": 2} {
		if count[name] != want {
			t.Errorf("succeeded runs of %s = %d, want %d (runs: %v)", name, count[name], want, count)
		}
	}
	if backup == nil {
		t.Fatal("no backup run listed")
	}
	resp, err = http.Get(base + "/api/runs/" + backup.ID + "/log.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	log, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || backup.LastLogSeq == 0 || len(log) == 0 {
		t.Fatalf("log of the demo's backup run: %s, last_log_seq %d:\n%s", resp.Status, backup.LastLogSeq, log)
	}
}

// consoleDo sends a request to the console (with the bearer token, if
// any) and returns the status and body.
func consoleDo(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestConsoleSharesOfEmbeddedDrive: under serve, a share link of the
// embedded local drive points at the console, which serves its page and
// file without a token; the console lists the account's shares (without
// their passwords) and cancels one, but a read-only console refuses to.
func TestConsoleSharesOfEmbeddedDrive(t *testing.T) {
	for _, token := range []string{"", "console-secret"} {
		t.Run("token="+token, func(t *testing.T) {
			over := map[string]any{}
			if token != "" {
				over["console.token"] = token
			}
			n, base := startConsoleNode(t, t.TempDir(), over)
			ctx := context.Background()
			d, err := n.Drives.Get("default")
			if err != nil {
				t.Fatal(err)
			}
			up, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: drive.RootID, Name: "notes.txt", Size: 5, Content: strings.NewReader("hello")})
			if err != nil {
				t.Fatal(err)
			}
			sh, err := d.CreateShare(ctx, drive.ShareRequest{FileIDs: []string{up.File.FileID}, Password: "pw-9173"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sh.ShareURL, base+"/s/") {
				t.Fatalf("share url %q does not point at the console %s", sh.ShareURL, base)
			}
			if code, body := consoleDo(t, "GET", sh.ShareURL+"?pwd=pw-9173", ""); code != http.StatusOK || !strings.Contains(body, "notes.txt") {
				t.Fatalf("share page = %d:\n%s", code, body)
			}
			if code, body := consoleDo(t, "GET", sh.ShareURL+"/"+up.File.FileID+"?pwd=pw-9173", ""); code != http.StatusOK || body != "hello" {
				t.Fatalf("shared file = %d %q", code, body)
			}
			code, body := consoleDo(t, "GET", base+"/api/drives/default/shares", token)
			if code != http.StatusOK || !strings.Contains(body, sh.ShareID) || !strings.Contains(body, "notes.txt") || strings.Contains(body, "pw-9173") {
				t.Fatalf("share list = %d (want it with the share and file name, without the password):\n%s", code, body)
			}
			code, body = consoleDo(t, "POST", base+"/api/drives/default/shares/"+sh.ShareID+"/cancel", token)
			if token == "" {
				if code != http.StatusForbidden || !strings.Contains(body, "console.token") {
					t.Fatalf("read-only console: cancel = %d %s, want 403 naming console.token", code, body)
				}
				return
			}
			if code != http.StatusOK {
				t.Fatalf("cancel = %d %s", code, body)
			}
			if code, _ := consoleDo(t, "GET", sh.ShareURL+"?pwd=pw-9173", ""); code != http.StatusNotFound {
				t.Fatalf("canceled share page = %d, want 404", code)
			}
			if code, _ := consoleDo(t, "POST", base+"/api/drives/default/shares/"+sh.ShareID+"/cancel", token); code != http.StatusNotFound {
				t.Fatalf("cancel again = %d, want 404", code)
			}
		})
	}
}
