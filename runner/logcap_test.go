package runner

import (
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func TestLogCap(t *testing.T) {
	for _, tc := range []struct {
		name                string
		maxLines            int
		maxBytes            int64
		lines               int
		size                int
		wantKept            int
		wantMarker, wantKey string
	}{
		{"under the caps", 10, 1000, 5, 10, 5, "", ""},
		{"exactly the line cap", 5, 1000, 5, 10, 5, "", ""},
		{"lines", 5, 1 << 20, 50, 10, 5, "45 more lines (450 bytes)", "limits.max_log_lines = 5"},
		{"bytes", 1000, 100, 50, 10, 10, "40 more lines (400 bytes)", "limits.max_log_bytes = 100"},
		{"one long line is cut, then counted", 10, 1 << 20, 1, 100 << 10, 1, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &memSink{}
			c := newLogCap(sink, Limits{MaxLogLines: tc.maxLines, MaxLogBytes: tc.maxBytes})
			for i := 0; i < tc.lines; i++ {
				c.Log(LogLine{Source: "plugin", Msg: strings.Repeat("x", tc.size)})
			}
			c.report("p")
			kept, markers := 0, []string{}
			for _, l := range sink.lines {
				if l.Source == "host" {
					markers = append(markers, l.Msg)
					continue
				}
				kept++
				if len(l.Msg) > abi.MaxLogLineBytes+len("…[truncated]") {
					t.Errorf("a line of %d bytes passed", len(l.Msg))
				}
			}
			if kept != tc.wantKept {
				t.Errorf("kept %d lines, want %d", kept, tc.wantKept)
			}
			if tc.wantMarker == "" {
				if len(markers) != 0 {
					t.Errorf("unexpected marker %q", markers)
				}
				return
			}
			if len(markers) != 1 || !strings.Contains(markers[0], tc.wantMarker) || !strings.Contains(markers[0], tc.wantKey) || !strings.Contains(markers[0], "plugin.yaml") {
				t.Errorf("markers = %q, want one with %q and %q", markers, tc.wantMarker, tc.wantKey)
			}
		})
	}
}

// TestLogCapSharedOverAttempts: however many retries or instances a
// manifest asks, the attempts of one run, and the calls of one plugin at
// once on a node, together log at most runLogBytes.
func TestLogCapSharedOverAttempts(t *testing.T) {
	for _, tc := range []struct {
		retries, instances int
		bytes, want        int64 // limits.max_log_bytes, the cap of each call
	}{
		{0, 4, DefaultMaxLogBytes, DefaultMaxLogBytes},
		{0, 4, maxLogBytes, maxLogBytes}, // 4 × 64 MiB = 256 MiB
		{3, 1, maxLogBytes, maxLogBytes},
		{10, 4, DefaultMaxLogBytes, DefaultMaxLogBytes},
		{100, 4, DefaultMaxLogBytes, runLogBytes / 101},
		{100, 4, maxLogBytes, runLogBytes / 101},
		{0, 64, maxLogBytes, runLogBytes / 64},
		{0, 64, DefaultMaxLogBytes, DefaultMaxLogBytes},
	} {
		l := Limits{MaxLogLines: 10, MaxLogBytes: tc.bytes, Retries: tc.retries, MaxInstances: tc.instances}
		c := newLogCap(&memSink{}, l)
		if c.maxBytes != tc.want || c.maxBytes*int64(max(attempts(l), tc.instances)) > runLogBytes {
			t.Errorf("retries %d, max_instances %d, max_log_bytes %d: each call may log %d bytes, want %d", tc.retries, tc.instances, tc.bytes, c.maxBytes, tc.want)
		}
	}
	sink := &memSink{}
	c := newLogCap(sink, Limits{MaxLogLines: 10, MaxLogBytes: maxLogBytes, Retries: 100})
	c.Log(LogLine{Msg: strings.Repeat("x", 16<<10)})
	c.bytes = c.maxBytes // as if the attempt's share were used up
	c.Log(LogLine{Msg: "one more"})
	c.report("p")
	if m, ok := sink.find("host", "log truncated"); !ok || !strings.Contains(m.Msg, "limits.retries") || !strings.Contains(m.Msg, "limits.max_instances") {
		t.Errorf("marker %q does not say the attempts share the budget", m.Msg)
	}
}

// TestLogCapRedactsSecrets: a plugin log line's fields named like a key,
// token or password reach the run log masked (issue 15, Secrets).
func TestLogCapRedactsSecrets(t *testing.T) {
	sink := &memSink{}
	c := newLogCap(sink, Limits{MaxLogLines: 10, MaxLogBytes: 1 << 20})
	c.Log(LogLine{Source: "plugin", Msg: "config", Fields: map[string]any{"encryption_key": "hunter2", "cfg": map[string]any{"token": "t0k"}, "files": 3}})
	if len(sink.lines) != 1 {
		t.Fatalf("lines = %+v", sink.lines)
	}
	f := sink.lines[0].Fields
	if f["encryption_key"] != "[redacted]" || f["cfg"].(map[string]any)["token"] != "[redacted]" || f["files"] != 3 {
		t.Errorf("fields = %v", f)
	}
}
