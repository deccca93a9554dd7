package web

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/web/webtest"
)

func TestRingPull(t *testing.T) {
	h := newHub(webtest.New(), slog.New(slog.NewTextHandler(io.Discard, nil)), 4, 8, 0)
	defer h.close()
	topic := newLogTopic(h, "r1", 10)
	for _, seq := range []uint64{11, 13, 13, 12, 17, 20, 21} { // a repeat and a step back are dropped
		topic.deliver(seq, []byte(fmt.Sprint(seq)))
	}
	// The ring holds 13 17 20 21; 11 left it, so the ring is complete above 11.
	if topic.floor != 11 || topic.last != 21 || topic.n != 4 {
		t.Fatalf("ring floor %d last %d n %d, want 11 21 4", topic.floor, topic.last, topic.n)
	}
	for _, tc := range []struct {
		cursor, max   uint64
		want          string
		gap, upToDate bool
		next          uint64
	}{
		{cursor: 10, max: 10, gap: true, next: 10},
		{cursor: 11, max: 10, want: "[13 17 20 21]", upToDate: true, next: 21},
		{cursor: 13, max: 10, want: "[17 20 21]", upToDate: true, next: 21},
		{cursor: 13, max: 2, want: "[17 20]", next: 20},
		{cursor: 18, max: 10, want: "[20 21]", upToDate: true, next: 21},
		{cursor: 21, max: 10, want: "[]", upToDate: true, next: 21},
		{cursor: 99, max: 10, want: "[]", upToDate: true, next: 99},
	} {
		s := &logSub{topic: topic, cursor: tc.cursor}
		lines, gap, upToDate := topic.pull(s, int(tc.max))
		got := fmt.Sprintf("%s", lines)
		if lines == nil {
			got = "[]"
		}
		if gap != tc.gap || (!gap && (got != tc.want || upToDate != tc.upToDate)) || s.cursor != tc.next {
			t.Errorf("pull after %d (max %d) = %s gap=%v upToDate=%v cursor=%d; want %s gap=%v upToDate=%v cursor=%d",
				tc.cursor, tc.max, got, gap, upToDate, s.cursor, tc.want, tc.gap, tc.upToDate, tc.next)
		}
	}
}

// A subscriber behind the ring reads the gap from the store, and skips
// what the store no longer has.
func TestRingBackfill(t *testing.T) {
	mem := webtest.New()
	run := mem.Create("backup", "manual", "", nil).ID
	var seqs []uint64
	for i := range 10 {
		l, _ := mem.Log(run, runner.LevelInfo, fmt.Sprint(i), nil)
		seqs = append(seqs, l.Seq)
	}
	h := newHub(mem, slog.New(slog.NewTextHandler(io.Discard, nil)), 4, 8, 0)
	defer h.close()
	topic := newLogTopic(h, run, 0)
	for _, s := range seqs {
		topic.deliver(s, encodeLine(runner.LogLine{Seq: s}))
	}
	s := &logSub{topic: topic, cursor: seqs[1]}
	lines, err := topic.backfill(t.Context(), s, 3)
	if err != nil || len(lines) != 3 || s.cursor != seqs[4] {
		t.Fatalf("backfill: %d lines, cursor %d, err %v; want 3 lines to %d", len(lines), s.cursor, err, seqs[4])
	}
	lines, _ = topic.backfill(t.Context(), s, 100) // runs past the ring's floor
	if _, gap, _ := topic.pull(s, 100); gap || len(lines) != 5 || s.cursor != seqs[9] {
		t.Fatalf("second backfill: %d lines, cursor %d, gap %v", len(lines), s.cursor, gap)
	}

	other := webtest.New() // a store that lost its lines: the cursor jumps to the floor
	orun := other.Create("backup", "manual", "", nil).ID
	h2 := newHub(other, slog.New(slog.NewTextHandler(io.Discard, nil)), 4, 8, 0)
	defer h2.close()
	t2 := newLogTopic(h2, orun, 0)
	for _, seq := range []uint64{5, 6, 7, 8, 9} {
		t2.deliver(seq, []byte("x"))
	}
	s2 := &logSub{topic: t2, cursor: 1}
	if lines, err := t2.backfill(t.Context(), s2, 10); err != nil || len(lines) != 0 || s2.cursor != 5 {
		t.Fatalf("backfill from an empty store: %d lines, cursor %d, err %v; want cursor at floor 5", len(lines), s2.cursor, err)
	}
}

func TestMatchRun(t *testing.T) {
	for _, tc := range []struct {
		f                       runner.RunFilter
		plugin, trigger, status string
		want                    bool
	}{
		{runner.RunFilter{}, "backup", "manual", "queued", true},
		{runner.RunFilter{Plugin: "backup"}, "archive", "manual", "queued", false},
		{runner.RunFilter{Status: "failed"}, "backup", "manual", "dead", true},
		{runner.RunFilter{Status: "failed"}, "backup", "manual", "failed", true},
		{runner.RunFilter{Status: "running"}, "backup", "manual", "failed", false},
		{runner.RunFilter{Trigger: "schedule"}, "backup", "schedule:backup/0@2026", "queued", true},
		{runner.RunFilter{Trigger: "schedule"}, "backup", "sched", "queued", false},
		{runner.RunFilter{Trigger: "subject"}, "backup", "manual", "queued", false},
	} {
		if got := matchRun(tc.f, tc.plugin, tc.trigger, tc.status); got != tc.want {
			t.Errorf("matchRun(%+v, %s, %s, %s) = %v", tc.f, tc.plugin, tc.trigger, tc.status, got)
		}
	}
}
