package runner

import (
	"encoding/json"
	"fmt"
	"github.com/wasmdrive/wasmdrive/internal/redact"
	"strings"
	"sync"
	"time"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// logCap bounds what one call may log, over every source (stdout, stderr,
// pdk.Log, wd_log and the host's own lines about the plugin's requests):
// at most maxLines lines and maxBytes bytes (message plus fields), each
// message cut at abi.MaxLogLineBytes. What comes after the cap is counted
// and dropped; report then writes one marker line saying how much went and
// which limit raises it. Without it one chatty run wrote hundreds of MB
// into the shared log stream and evicted other runs' lines.
type logCap struct {
	sink     RunSink
	maxLines int
	maxBytes int64
	shared   bool // maxBytes is runLogBytes shared by the run's attempts

	mu           sync.Mutex
	lines        int
	bytes        int64
	full         string // the limit that was hit: "max_log_lines" or "max_log_bytes"
	droppedLines int
	droppedBytes int64
}

var _ RunSink = (*logCap)(nil)

// runLogBytes bounds the log bytes of one run over all its attempts, and
// of one plugin's calls running at once on a node: a quarter of the log
// stream's default 1 GiB, so no single run, however many retries its
// manifest asks, and no burst of one plugin's instances can push the
// other runs' lines out.
const runLogBytes = 256 << 20

func newLogCap(sink RunSink, l Limits) *logCap {
	c := &logCap{sink: sink, maxLines: l.MaxLogLines, maxBytes: l.MaxLogBytes}
	if per := runLogBytes / int64(max(attempts(l), l.MaxInstances, 1)); c.maxBytes > per {
		c.maxBytes, c.shared = per, true
	}
	return c
}

// attempts is how many times the queue may run one run of a plugin:
// limits.retries + 1, or the queue's default of 3 when retries is 0.
func attempts(l Limits) int {
	if l.Retries > 0 {
		return l.Retries + 1
	}
	return 3
}

// Log passes l on while the call is within its caps.
func (c *logCap) Log(l LogLine) {
	if len(l.Msg) > abi.MaxLogLineBytes {
		l.Msg = strings.ToValidUTF8(l.Msg[:abi.MaxLogLineBytes], "") + "…[truncated]"
	}
	n := int64(len(l.Msg))
	if len(l.Fields) > 0 {
		// A plugin that logs its config must not put a secret in run logs.
		l.Fields, _ = redact.Value(l.Fields).(map[string]any)
		b, _ := json.Marshal(l.Fields)
		if len(b) > abi.MaxLogLineBytes {
			l.Fields = map[string]any{"fields_truncated": len(b)}
			b, _ = json.Marshal(l.Fields)
		}
		n += int64(len(b))
	}
	c.mu.Lock()
	if c.full == "" {
		switch {
		case c.lines >= c.maxLines:
			c.full = "max_log_lines"
		case c.bytes+n > c.maxBytes:
			c.full = "max_log_bytes"
		}
	}
	if c.full != "" {
		c.droppedLines++
		c.droppedBytes += n
		c.mu.Unlock()
		return
	}
	c.lines++
	c.bytes += n
	c.mu.Unlock()
	c.sink.Log(l)
}

// Progress is not capped (the run record keeps only the last report).
func (c *logCap) Progress(p Progress) { c.sink.Progress(p) }

// report writes the marker line if lines were dropped; call it once the
// call's output is flushed.
func (c *logCap) report(plugin string) {
	c.mu.Lock()
	full, lines, bytes := c.full, c.droppedLines, c.droppedBytes
	c.mu.Unlock()
	if full == "" {
		return
	}
	limit := fmt.Sprintf("limits.max_log_lines = %d", c.maxLines)
	raise := fmt.Sprintf("raise limits.%s in %s's plugin.yaml (at most %d)", full, plugin, maxLogLimit(full))
	if full == "max_log_bytes" {
		limit = fmt.Sprintf("limits.max_log_bytes = %d", c.maxBytes)
		if c.shared {
			limit = fmt.Sprintf("%d bytes (the %d MiB shared by a run's attempts, limits.retries + 1, and by the plugin's calls at once, limits.max_instances)", c.maxBytes, runLogBytes>>20)
			raise = fmt.Sprintf("lower limits.retries or limits.max_instances in %s's plugin.yaml to give each call more", plugin)
		}
	}
	c.sink.Log(LogLine{Time: time.Now().UTC(), Level: LevelWarn, Source: "host",
		Msg: fmt.Sprintf("log truncated: %d more lines (%d bytes) dropped beyond %s of this call; %s",
			lines, bytes, limit, raise),
		Fields: map[string]any{"dropped_lines": lines, "dropped_bytes": bytes, "limit": "limits." + full}})
}

// maxLogLimit is the ceiling a manifest may set for a log limit.
func maxLogLimit(name string) int64 {
	if name == "max_log_lines" {
		return maxLogLines
	}
	return maxLogBytes
}
