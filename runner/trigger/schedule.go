package trigger

import (
	"encoding/json"
	"fmt"
	"github.com/wasmdrive/wasmdrive/runner/cronspec"
	"time"

	"github.com/wasmdrive/wasmdrive/runner"
)

// MaxCatchup bounds how many missed slots one schedule replays at start.
const MaxCatchup = 1000

// Schedule is one schedule trigger of a plugin, validated.
type Schedule struct {
	ID      string // "<plugin>/<index>"
	Plugin  string
	Entry   string
	Spec    string
	Loc     *time.Location
	Catchup string        // runner.CatchupSkip, CatchupLatest, CatchupAll
	Window  time.Duration // how far back catch-up looks
	Overlap string        // runner.OverlapSkip, OverlapQueue, OverlapAllow
	Input   json.RawMessage
	cron    *cronspec.Cron
}

// FieldError names the plugin and trigger field of a bad trigger.
type FieldError struct {
	Plugin string
	Field  string // e.g. "triggers[1].schedule"
	Err    error
}

// Error says which plugin and field are wrong and why.
func (e *FieldError) Error() string {
	return fmt.Sprintf("plugin %s: %s: %v", e.Plugin, e.Field, e.Err)
}

// Unwrap returns the underlying reason.
func (e *FieldError) Unwrap() error { return e.Err }

// NewSchedule validates trigger index of plugin (a schedule trigger).
func NewSchedule(plugin string, index int, t runner.Trigger) (*Schedule, error) {
	field := func(f string) string { return fmt.Sprintf("triggers[%d].%s", index, f) }
	loc := time.UTC
	if t.Timezone != "" {
		var err error
		if loc, err = time.LoadLocation(t.Timezone); err != nil {
			return nil, &FieldError{plugin, field("timezone"), fmt.Errorf("%q is not an IANA time zone like Asia/Shanghai: %w", t.Timezone, err)}
		}
	}
	sch, err := cronspec.ParseCron(t.Schedule, loc)
	if err != nil {
		return nil, &FieldError{plugin, field("schedule"), err}
	}
	s := &Schedule{
		ID: fmt.Sprintf("%s/%d", plugin, index), Plugin: plugin, Entry: t.Entry, Spec: t.Schedule, Loc: loc,
		Catchup: t.Catchup, Window: t.CatchupWindow.D(), Overlap: t.Overlap, Input: json.RawMessage(t.Input), cron: sch,
	}
	switch s.Catchup {
	case "":
		s.Catchup = runner.CatchupSkip
	case runner.CatchupSkip, runner.CatchupLatest, runner.CatchupAll:
	default:
		return nil, &FieldError{plugin, field("catchup"), fmt.Errorf("%q is not skip, latest or all", t.Catchup)}
	}
	if s.Window < 0 {
		return nil, &FieldError{plugin, field("catchup_window"), fmt.Errorf("must be positive")}
	}
	if s.Window == 0 {
		s.Window = runner.DefaultCatchupWindow
	}
	switch s.Overlap {
	case "":
		s.Overlap = runner.OverlapSkip
	case runner.OverlapSkip, runner.OverlapQueue, runner.OverlapAllow:
	default:
		return nil, &FieldError{plugin, field("overlap"), fmt.Errorf("%q is not skip, queue or allow", t.Overlap)}
	}
	if len(s.Input) > 0 && !json.Valid(s.Input) {
		return nil, &FieldError{plugin, field("input"), fmt.Errorf("not valid JSON")}
	}
	return s, nil
}

// Next returns the first slot after t.
func (s *Schedule) Next(t time.Time) time.Time { return s.cron.Next(t) }

// NextAfter returns the first slot after t. An "@every" schedule keeps the
// phase of anchor (its latest slot, as the ledger recorded it): the slot
// is anchor plus a whole number of intervals, so a restart does not reset
// the countdown. Without an anchor it is Next.
func (s *Schedule) NextAfter(anchor, t time.Time) time.Time {
	d := s.cron.Every()
	if d <= 0 || anchor.IsZero() || anchor.After(t) {
		return s.Next(t)
	}
	return anchor.Add((t.Sub(anchor)/d + 1) * d).UTC()
}

// due returns the slots in (from, to] keeping anchor's phase (see
// NextAfter), at most max of them (the latest).
func (s *Schedule) due(anchor, from, to time.Time, max int) []time.Time {
	d := s.cron.Every()
	if d <= 0 || anchor.IsZero() || anchor.After(from) {
		return s.cron.Slots(from, to, max)
	}
	var out []time.Time
	for t := s.NextAfter(anchor, from); !t.After(to); t = t.Add(d) {
		out = append(out, t)
		if max > 0 && len(out) > max {
			out = out[1:]
		}
	}
	return out
}

// Missed returns the slots in (last, now] that the catch-up policy replays.
func (s *Schedule) Missed(last, now time.Time) []time.Time {
	if last.IsZero() || s.Catchup == runner.CatchupSkip {
		return nil
	}
	from := last
	if w := now.Add(-s.Window); w.After(from) {
		from = w
	}
	slots := s.cron.Slots(from, now, MaxCatchup)
	if s.Catchup == runner.CatchupLatest && len(slots) > 1 {
		slots = slots[len(slots)-1:]
	}
	return slots
}

// input is what a schedule run gets: the trigger's fixed input, or the slot.
func (s *Schedule) input(slot time.Time) json.RawMessage {
	if len(s.Input) > 0 {
		return s.Input
	}
	b, _ := json.Marshal(map[string]string{"schedule": s.ID, "spec": s.Spec, "slot": slot.UTC().Format(time.RFC3339)})
	return b
}
