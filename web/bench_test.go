package web

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
)

// BenchmarkHubFanout50 logs b.N lines to one run followed by 50 websocket
// clients; ns/op is per line, delivered to all 50.
func BenchmarkHubFanout50(b *testing.B) {
	const clients = 50
	ts := newTestServer(b, Options{LogRing: b.N + 16})
	run := ts.runs.Create("backup", "manual", "", nil).ID
	done := make(chan error, clients)
	for range clients {
		c := ts.dial(b, nil)
		c.send(subLog(run, 0))
		c.waitFor("live")
		go func() {
			n := 0
			for n < b.N {
				_, msg, err := c.conn.ReadMessage()
				if err != nil {
					done <- err
					return
				}
				n += bytes.Count(msg, []byte(`{"seq":`))
			}
			done <- nil
		}()
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := ts.runs.Log(run, runner.LevelInfo, fmt.Sprintf("uploaded /backups/photos/IMG_%05d.jpg", i), map[string]any{"bytes": i}); err != nil {
			b.Fatal(err)
		}
	}
	for range clients {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s/client")
}

// BenchmarkHubLatency measures one line's way from the log call to a
// websocket client (Go), one line at a time; it reports p50 and p99.
func BenchmarkHubLatency(b *testing.B) {
	ts := newTestServer(b, Options{})
	run := ts.runs.Create("backup", "manual", "", nil).ID
	c := ts.dial(b, nil)
	c.send(subLog(run, 0))
	c.waitFor("live")
	lat := make([]time.Duration, 0, b.N)
	for i := range b.N {
		t := time.Now()
		l, err := ts.runs.Log(run, runner.LevelInfo, "line", map[string]any{"i": i})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.readLog(run, l.Seq); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
