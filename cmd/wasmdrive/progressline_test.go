package main

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestProgressLineNotTerminal checks progress on a non-terminal stderr:
// whole newline-terminated lines, at most one per interval, never going
// backwards when reports arrive out of order, the last one at the end.
func TestProgressLineNotTerminal(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	l := &progressLine{every: 3 * time.Second, now: clk.now}
	var out strings.Builder
	step := func(d time.Duration, done int64) {
		clk.t = clk.t.Add(d)
		out.WriteString(l.update(runner.Progress{Done: done, Total: 10000, Unit: "files"}))
	}
	step(0, 100)                     // first report: printed
	step(time.Second, 200)           // within the interval: held back
	step(3*time.Second, 9984)        // printed
	step(4*time.Second, 9729)        // out of order: dropped, though the interval passed
	step(100*time.Millisecond, 9990) // held back
	out.WriteString(l.flush())       // the end: the held-back report
	want := "progress 100/10000 files \nprogress 9984/10000 files \nprogress 9990/10000 files \n"
	if got := out.String(); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(out.String(), "\r") {
		t.Error("a carriage return on a non-terminal stderr")
	}
	if s := l.flush(); s != "" {
		t.Errorf("second flush wrote %q", s)
	}
}

// TestProgressLineTerminal checks a terminal gets the line rewritten in
// place, still monotonic, closed by a newline before a log line and at
// the end; a new phase (another total) may start lower.
func TestProgressLineTerminal(t *testing.T) {
	l := &progressLine{tty: true, every: time.Hour, now: time.Now}
	for _, tc := range []struct {
		p    runner.Progress
		want string
	}{
		{runner.Progress{Done: 5, Total: 10, Unit: "files"}, "\rprogress 5/10 files "},
		{runner.Progress{Done: 4, Total: 10, Unit: "files"}, ""},
		{runner.Progress{Done: 6, Total: 10, Unit: "files"}, "\rprogress 6/10 files "},
		{runner.Progress{Done: 1, Total: 99, Unit: "bytes"}, "\rprogress 1/99 bytes "},
	} {
		if got := l.update(tc.p); got != tc.want {
			t.Errorf("update(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
	if got := l.breakLine(); got != "\n" {
		t.Errorf("breakLine = %q, want a newline", got)
	}
	if got := l.flush(); got != "" {
		t.Errorf("flush after breakLine = %q, want nothing", got)
	}
}
