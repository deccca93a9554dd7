package queue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/wasmdrive/wasmdrive/runner"
)

// RecordLocal stores a run made outside the queue, by a process that
// called the plugin host itself (the demo): its log lines on the run's log
// subject, then its final record, so `wasmdrive runs` and the console show
// it like any other run. rec.ID must be new (NewRunID); its LastLogSeq is
// set here.
func (q *Queue) RecordLocal(ctx context.Context, rec *runner.RunRecord, lines []runner.LogLine) error {
	if !validRunID(rec.ID) {
		return fmt.Errorf("queue: record local run: bad run id %q", rec.ID)
	}
	for _, l := range lines {
		l.RunID = rec.ID
		b, err := json.Marshal(l)
		if err != nil {
			l.Fields = map[string]any{"_error": "fields not encodable: " + err.Error()}
			if b, err = json.Marshal(l); err != nil {
				continue
			}
		}
		ack, err := q.JS.Publish(ctx, LogSubject(rec.ID), b)
		if err != nil {
			return fmt.Errorf("queue: record local run %s: log: %w", rec.ID, err)
		}
		rec.LastLogSeq = ack.Sequence
	}
	return q.putRecord(ctx, rec)
}
