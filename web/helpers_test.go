package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/web/webtest"
)

// fixturePlugins are the plugins the tests' RunService knows.
func fixturePlugins() []runner.PluginInfo {
	next := time.Now().Add(2*time.Hour + 5*time.Minute)
	return []runner.PluginInfo{
		{
			Name: "backup", Version: "1.2.0", Hash: "sha256:9f2c41d0a7be33c1e5a8", Enabled: true, Account: "home",
			Description: "Incremental, encrypted backup of local folders to the drive.",
			Exports:     []string{"run", "verify"},
			Grants:      json.RawMessage(`{"drive":["/backups"],"paths":["/srv/data"],"hostfuncs":["list","upload","kv_get","kv_put","log"]}`),
			Triggers:    json.RawMessage(`[{"schedule":"0 2 * * *"},{"subject":"backup.now"}]`),
			Schedules:   []runner.ScheduleInfo{{ID: "backup/0", Spec: "0 2 * * *", TimeZone: "Asia/Shanghai", Next: next}},
			ConfigSchema: json.RawMessage(`{"type":"object","required":["source"],"properties":{
				"source":{"type":"string","title":"Source folder","description":"Local folder to back up"},
				"keep":{"type":"integer","title":"Versions to keep","default":7},
				"dry_run":{"type":"boolean","title":"Dry run"},
				"mode":{"enum":["fast","verify"],"default":"fast"}}}`),
		},
		{Name: "archive", Version: "0.9.1", Hash: "sha256:11aa", Enabled: true, Exports: []string{"run"}},
		{Name: "cleanup", Version: "1.0.0", Hash: "sha256:22bb", Enabled: false, Exports: []string{"run"}},
	}
}

// testServer is a console over an in-memory RunService.
type testServer struct {
	*Server
	runs *webtest.MemRuns
	http *httptest.Server
}

func newTestServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	mem := webtest.New(fixturePlugins()...)
	if opts.Runs == nil {
		opts.Runs = mem
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	if opts.Runs == mem {
		for mem.RunWatchers() == 0 { // the hub's runs watch is in place
			runtime.Gosched()
		}
	}
	return &testServer{Server: s, runs: mem, http: hs}
}

func (ts *testServer) wsURL() string { return "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/ws" }

// wsClient is a test websocket client that collects frames.
type wsClient struct {
	t       testing.TB
	conn    *websocket.Conn
	pending []frame // read but not yet consumed
}

func (ts *testServer) dial(t testing.TB, header http.Header) *wsClient {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Origin", ts.http.URL)
	conn, resp, err := websocket.DefaultDialer.Dial(ts.wsURL(), header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial websocket: %v (HTTP %d)", err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t: t, conn: conn}
}

func (c *wsClient) send(m any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(m); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// frame is any server frame.
type frame struct {
	T     string              `json:"t"`
	Run   json.RawMessage     `json:"run"`
	Runs  []*runner.RunRecord `json:"runs"`
	Lines []runner.LogLine    `json:"lines"`
	Seq   uint64              `json:"seq"`
	Msg   string              `json:"msg"`
}

// next returns the next frames (one websocket message may hold several).
// A read deadline keeps a broken hub from hanging the test.
func (c *wsClient) next() ([]frame, error) {
	if len(c.pending) > 0 {
		out := c.pending
		c.pending = nil
		return out, nil
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, msg, err := c.conn.ReadMessage()
	if err != nil {
		return nil, err
	}
	var out []frame
	for _, part := range bytes.Split(msg, []byte("\n")) {
		var f frame
		if err := json.Unmarshal(part, &f); err != nil {
			c.t.Errorf("bad frame %q: %v", part, err)
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// readLog reads until it has seen a log line with seq ≥ until, and returns
// every log line of run received, in order.
func (c *wsClient) readLog(run string, until uint64) ([]runner.LogLine, error) {
	var got []runner.LogLine
	for len(got) == 0 || got[len(got)-1].Seq < until {
		fs, err := c.next()
		if err != nil {
			return got, err
		}
		for i, f := range fs {
			if f.T == "error" {
				c.t.Errorf("server error frame: %s", f.Msg)
			}
			if f.T == "log" && string(f.Run) == `"`+run+`"` {
				got = append(got, f.Lines...)
				if got[len(got)-1].Seq >= until {
					c.pending = append(c.pending, fs[i+1:]...)
					break
				}
			}
		}
	}
	return got, nil
}

// waitFor reads frames until one of type typ arrives.
func (c *wsClient) waitFor(typ string) frame {
	c.t.Helper()
	for {
		fs, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for %q frame: %v", typ, err)
		}
		for i, f := range fs {
			if f.T == typ {
				c.pending = append(c.pending, fs[i+1:]...)
				return f
			}
		}
	}
}

// checkSeqs fails unless lines are exactly want, in order.
func checkSeqs(t testing.TB, who string, lines []runner.LogLine, want []uint64) {
	t.Helper()
	if len(lines) != len(want) {
		t.Errorf("%s: got %d lines, want %d", who, len(lines), len(want))
	}
	for i := range min(len(lines), len(want)) {
		if lines[i].Seq != want[i] {
			t.Errorf("%s: line %d has seq %d, want %d (gap or duplicate)", who, i, lines[i].Seq, want[i])
			return
		}
	}
}

// logN logs n lines to run and returns their sequence numbers.
func logN(t testing.TB, mem *webtest.MemRuns, run string, n int, msg string) []uint64 {
	t.Helper()
	seqs := make([]uint64, 0, n)
	for i := range n {
		l, err := mem.Log(run, runner.LevelInfo, msg, map[string]any{"i": i})
		if err != nil {
			t.Fatalf("log: %v", err)
		}
		seqs = append(seqs, l.Seq)
	}
	return seqs
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
