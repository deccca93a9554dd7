package web

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
)

// api calls the JSON API with the bearer token and decodes the answer.
func api(t *testing.T, ts *testServer, method, path, body string, out any) int {
	t.Helper()
	code, b := do(t, method, ts.http.URL+path, http.Header{"Authorization": {"Bearer tok"}}, body)
	if out != nil && code < 300 {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			t.Fatalf("%s %s: %v in %q", method, path, err, b)
		}
	}
	return code
}

func TestAPIRuns(t *testing.T) {
	ts := newTestServer(t, Options{Token: "tok"})
	a := ts.runs.Create("backup", "schedule:backup/0@2026-01-01T02:00:00Z", "home", nil)
	b := ts.runs.Create("archive", "subject:files.new", "", nil)
	_ = ts.runs.Finish(b.ID, nil, "quota exceeded\nmore detail")
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{b.ID, a.ID}},
		{"?plugin=backup", []string{a.ID}},
		{"?status=failed", []string{b.ID}},
		{"?trigger=schedule", []string{a.ID}},
		{"?limit=1", []string{b.ID}},
		{"?plugin=nope", nil},
	} {
		var out struct{ Runs []runner.RunRecord }
		if code := api(t, ts, "GET", "/api/runs"+tc.query, "", &out); code != 200 {
			t.Fatalf("%s: %d", tc.query, code)
		}
		var ids []string
		for _, r := range out.Runs {
			ids = append(ids, r.ID)
		}
		if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
			t.Errorf("runs%s = %v, want %v", tc.query, ids, tc.want)
		}
	}
	if code := api(t, ts, "GET", "/api/runs?limit=0", "", nil); code != 400 {
		t.Errorf("limit=0: %d, want 400", code)
	}
	var rec runner.RunRecord
	if code := api(t, ts, "GET", "/api/runs/"+b.ID, "", &rec); code != 200 || rec.Error == "" {
		t.Errorf("get run: %d %+v", code, rec)
	}
	if code := api(t, ts, "GET", "/api/runs/nope", "", nil); code != 404 {
		t.Errorf("unknown run: %d, want 404", code)
	}
	// Retry: a failed run yes, a queued one no.
	var nr runner.RunRecord
	if code := api(t, ts, "POST", "/api/runs/"+b.ID+"/retry", "", &nr); code != 201 || nr.Trigger != "retry:"+b.ID {
		t.Errorf("retry failed run: %d %+v", code, nr)
	}
	if code := api(t, ts, "POST", "/api/runs/"+a.ID+"/retry", "", nil); code != 422 {
		t.Errorf("retry queued run: %d, want 422", code)
	}
}

func TestAPILogs(t *testing.T) {
	ts := newTestServer(t, Options{Token: "tok"})
	run := ts.runs.Create("backup", "manual", "", nil).ID
	seqs := logN(t, ts.runs, run, 25, "copied")
	_, _ = ts.runs.Log(run, runner.LevelError, "bad <b>name</b>\nsecond line", map[string]any{"path": "/a b", "n": 3})
	var page struct {
		Lines     []runner.LogLine
		NextAfter uint64 `json:"next_after"`
		More      bool
	}
	if code := api(t, ts, "GET", "/api/runs/"+run+"/logs?limit=10", "", &page); code != 200 || len(page.Lines) != 10 || !page.More || page.NextAfter != seqs[9] {
		t.Fatalf("first page: %d, %d lines, more=%v next=%d", code, len(page.Lines), page.More, page.NextAfter)
	}
	api(t, ts, "GET", "/api/runs/"+run+"/logs?after="+itoa(page.NextAfter)+"&limit=100", "", &page)
	if len(page.Lines) != 16 || page.More || page.Lines[0].Seq != seqs[10] {
		t.Fatalf("second page: %d lines, more=%v", len(page.Lines), page.More)
	}
	code, text := do(t, "GET", ts.http.URL+"/api/runs/"+run+"/log.txt", http.Header{"Authorization": {"Bearer tok"}}, "")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if code != 200 || len(lines) != 26 {
		t.Fatalf("log.txt: %d, %d lines", code, len(lines))
	}
	if last := lines[25]; !strings.Contains(last, `ERROR bad <b>name</b>\nsecond line n=3 path="/a b"`) {
		t.Errorf("log.txt last line = %q", last)
	}
	_, jl := do(t, "GET", ts.http.URL+"/api/runs/"+run+"/log.jsonl", http.Header{"Authorization": {"Bearer tok"}}, "")
	if n := strings.Count(jl, "\n"); n != 26 {
		t.Errorf("log.jsonl: %d lines, want 26", n)
	}
}

func itoa(v uint64) string { b, _ := json.Marshal(v); return string(b) }

func TestAPIPlugins(t *testing.T) {
	ts := newTestServer(t, Options{Token: "tok"})
	var out struct{ Plugins []runner.PluginInfo }
	if code := api(t, ts, "GET", "/api/plugins", "", &out); code != 200 || len(out.Plugins) != 3 {
		t.Fatalf("plugins: %d, %d", code, len(out.Plugins))
	}
	for _, tc := range []struct {
		name, path, body string
		want             int
	}{
		{"run with input", "/api/plugins/backup/run", `{"source":"/srv"}`, 202},
		{"run with empty input", "/api/plugins/backup/run", ``, 202},
		{"input not JSON", "/api/plugins/backup/run", `{source`, 400},
		{"disabled plugin", "/api/plugins/cleanup/run", `{}`, 422},
		{"unknown plugin", "/api/plugins/nope/run", `{}`, 404},
		{"enable", "/api/plugins/cleanup/enable", ``, 200},
		{"run once enabled", "/api/plugins/cleanup/run", `{}`, 202},
		{"disable", "/api/plugins/cleanup/disable", ``, 200},
		{"enable unknown", "/api/plugins/nope/enable", ``, 404},
	} {
		if code := api(t, ts, "POST", tc.path, tc.body, nil); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
	}
	runs, _ := ts.runs.ListRuns(t.Context(), runner.RunFilter{Plugin: "backup"})
	if len(runs) != 2 || string(runs[1].Input) != `{"source":"/srv"}` || string(runs[0].Input) != `{}` {
		t.Errorf("backup runs = %d, inputs wrong", len(runs))
	}
	var st Stats
	if code := api(t, ts, "GET", "/api/stats", "", &st); code != 200 {
		t.Errorf("stats: %d", code)
	}
}

func TestFormatLine(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	for _, tc := range []struct {
		line runner.LogLine
		want string
	}{
		{runner.LogLine{Time: at, Level: runner.LevelInfo, Msg: "hello"}, "2026-01-02T03:04:05.006Z INFO  hello"},
		{runner.LogLine{Time: at, Level: runner.LevelWarn, Msg: "a\nb", Fields: map[string]any{"z": 1, "a": "x y"}},
			`2026-01-02T03:04:05.006Z WARN  a\nb a="x y" z=1`},
		{runner.LogLine{Time: at, Level: runner.LevelError, Msg: "<script>", Fields: map[string]any{"bad": math.Inf(1)}},
			`2026-01-02T03:04:05.006Z ERROR <script> bad="?"`},
	} {
		if got := FormatLine(tc.line); got != tc.want {
			t.Errorf("FormatLine = %q, want %q", got, tc.want)
		}
	}
}

func TestDecodeClientMsg(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`{"op":"sub","topic":"runs"}`, true},
		{`{"op":"sub","topic":"runs","filter":{"status":"failed","limit":50}}`, true},
		{`{"op":"sub","topic":"runs","filter":{"limit":5000}}`, false},
		{`{"op":"sub","topic":"log","run":"r1","after":42}`, true},
		{`{"op":"unsub","topic":"log","run":"r1"}`, true},
		{`{"op":"sub","topic":"log"}`, false},
		{`{"op":"sub","topic":"log","run":"a/b"}`, false},
		{`{"op":"sub","topic":"log","run":"a b"}`, false},
		{`{"op":"drop","topic":"runs"}`, false},
		{`{"op":"sub","topic":"files"}`, false},
		{`[1,2]`, false},
		{`{"op":"sub","topic":"log","run":"r1","after":-1}`, false},
		{strings.Repeat(" ", maxClientMsg+1), false},
	} {
		_, err := decodeClientMsg([]byte(tc.in))
		if (err == nil) != tc.ok {
			t.Errorf("decode %.60q: err = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func FuzzDecodeClientMsg(f *testing.F) {
	f.Add([]byte(`{"op":"sub","topic":"log","run":"r1","after":42}`))
	f.Add([]byte(`{"op":"sub","topic":"runs","filter":{"plugin":"x","status":"failed"}}`))
	f.Add([]byte(`{"op":"unsub","topic":"runs"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeClientMsg(b)
		if err != nil {
			return
		}
		// Whatever passes is safe to act on.
		if m.Op != "sub" && m.Op != "unsub" {
			t.Fatalf("accepted op %q", m.Op)
		}
		switch m.Topic {
		case topicLog:
			if checkRunID(m.Run) != nil {
				t.Fatalf("accepted run id %q", m.Run)
			}
		case topicRuns:
			if m.Filter == nil || m.Filter.Limit < 0 || m.Filter.Limit > 1000 {
				t.Fatalf("accepted filter %+v", m.Filter)
			}
		default:
			t.Fatalf("accepted topic %q", m.Topic)
		}
	})
}
