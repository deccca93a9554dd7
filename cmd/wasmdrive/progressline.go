package main

import (
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/internal/termesc"
	"github.com/wasmdrive/wasmdrive/runner"
)

// progressEvery is how often a run's progress is printed as a new line when
// stderr is not a terminal (a log file, a pipe, CI).
const progressEvery = 3 * time.Second

// progressLine turns a run's progress reports into what stderr shows. On a
// terminal it rewrites one line in place; elsewhere it prints whole,
// newline-terminated lines at most once per every (and the last report at
// the end). Either way the count never goes backwards: plugins report from
// several workers at once, so reports can arrive out of order, and a
// report below the highest count already seen for the same total and unit
// is dropped. A report with another total or unit starts a new phase.
type progressLine struct {
	tty   bool
	every time.Duration
	now   func() time.Time

	latest  runner.Progress // highest report of the current phase
	have    bool            // latest holds a report
	printed bool            // latest has been printed (non-terminal)
	open    bool            // a terminal line is open (no newline yet)
	last    time.Time       // when the last line was printed (non-terminal)
}

// update takes one report and returns what to write ("" for nothing).
func (l *progressLine) update(p runner.Progress) string {
	if l.have && p.Total == l.latest.Total && p.Unit == l.latest.Unit && p.Done < l.latest.Done {
		return "" // out of order: never go backwards
	}
	l.latest, l.have, l.printed = p, true, false
	if l.tty {
		l.open, l.printed = true, true
		return "\r" + formatProgress(p)
	}
	now := l.now()
	if !l.last.IsZero() && now.Sub(l.last) < l.every && p.Done != p.Total {
		return ""
	}
	l.last, l.printed = now, true
	return formatProgress(p) + "\n"
}

// flush returns what to write when the run ends: on a terminal the
// newline that closes the line, elsewhere the last report if it was not
// printed yet.
func (l *progressLine) flush() string {
	if l.tty || !l.have || l.printed {
		return l.breakLine()
	}
	l.printed = true
	return formatProgress(l.latest) + "\n"
}

// breakLine returns what to write before a log line: the newline that
// ends an open terminal line, else nothing (non-terminal progress lines
// are whole lines already).
func (l *progressLine) breakLine() string {
	if !l.open {
		return ""
	}
	l.open = false
	return "\n"
}

// formatProgress renders one report, its plugin-chosen text escaped.
func formatProgress(p runner.Progress) string {
	return fmt.Sprintf("progress %d/%d %s %s", p.Done, p.Total, termesc.String(p.Unit), termesc.String(p.Note))
}
