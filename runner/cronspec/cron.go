// Package cronspec parses cron schedules (5 fields, 6 with seconds, and
// @descriptors) in an IANA time zone and computes their slots. It is a leaf
// package so the manifest validator (runner) and the scheduler
// (runner/trigger) accept exactly the same expressions.
package cronspec

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

var (
	parser5 = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	parser6 = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
)

// Cron is a parsed schedule in a time zone.
//
// Daylight-saving changes follow Vixie cron: an expression whose hour
// field is a wildcard (or @hourly, @every) runs in real time, so an hourly
// job runs every real hour, 25 times on the fall-back day. A job at fixed
// hours runs once per wall-clock slot: on the fall-back day its 02:30 runs
// once (the first 02:30), and on the spring-forward day an 02:30 that does
// not exist runs at 03:30 instead of being skipped.
type Cron struct {
	Spec  string
	Loc   *time.Location
	sched cron.Schedule
	fixed bool // fixed hours: evaluate on wall-clock time
}

// ParseCron parses a schedule: 5 fields ("min hour dom month dow"), 6
// fields (seconds first), or a descriptor (@hourly, @daily, @every 90s...),
// evaluated in loc (nil: UTC). The time zone is not part of the expression.
func ParseCron(spec string, loc *time.Location) (*Cron, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := strings.TrimSpace(spec)
	if s == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, fmt.Errorf("%q: put the time zone in the timezone field, not in the expression", spec)
	}
	fields := strings.Fields(s)
	p, hour := parser5, 1
	if !strings.HasPrefix(s, "@") && len(fields) == 6 {
		p, hour = parser6, 2
	}
	sch, err := p.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w (want 5 fields \"min hour dom month dow\", 6 with seconds first, or @hourly, @daily, @every 5m)", spec, err)
	}
	fixed := false
	switch {
	case strings.HasPrefix(s, "@"):
		switch s {
		case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight":
			fixed = true
		}
	default:
		fixed = !strings.ContainsAny(fields[hour], "*")
	}
	return &Cron{Spec: spec, Loc: loc, sched: sch, fixed: fixed}, nil
}

// Next returns the first slot strictly after t (UTC), or zero if none.
func (c *Cron) Next(t time.Time) time.Time {
	if !c.fixed {
		n := c.sched.Next(t.In(c.Loc))
		if n.IsZero() {
			return n
		}
		return n.UTC()
	}
	// Evaluate on wall-clock time written as UTC, then map back to an
	// instant in Loc (a wall time in a spring-forward gap maps past it, an
	// ambiguous one to its first occurrence).
	w := wall(t.In(c.Loc))
	for range 1000 {
		w = c.sched.Next(w)
		if w.IsZero() {
			return w
		}
		if inst := c.firstInstant(w); inst.After(t) {
			return inst.UTC()
		}
	}
	return time.Time{}
}

// firstInstant maps wall time w (written as UTC) to the earliest instant
// in Loc showing it; a wall time in a spring-forward gap maps past the gap.
func (c *Cron) firstInstant(w time.Time) time.Time {
	inst := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, c.Loc)
	for _, d := range []time.Duration{-2 * time.Hour, -time.Hour, -30 * time.Minute} {
		if cand := inst.Add(d); wall(cand.In(c.Loc)).Equal(w) {
			return cand
		}
	}
	return inst
}

func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Slots returns the slots of c strictly after from and at or before to, at
// most max of them (the latest ones when there are more; 0: no bound).
func (c *Cron) Slots(from, to time.Time, max int) []time.Time {
	var out []time.Time
	t := from
	for {
		t = c.Next(t)
		if t.IsZero() || t.After(to) {
			break
		}
		out = append(out, t)
		if max > 0 && len(out) > max {
			out = out[1:]
		}
	}
	return out
}

// Every returns the interval of an "@every" schedule, 0 for any other.
func (c *Cron) Every() time.Duration {
	if d, ok := c.sched.(cron.ConstantDelaySchedule); ok {
		return d.Delay
	}
	return 0
}
