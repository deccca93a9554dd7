// Package progress draws a one-line terminal progress bar for byte
// transfers: done / total, percentage, rate and ETA, redrawn in place a few
// times a second. It draws nothing when the output is not a terminal.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Bar is a progress bar. Add and AddTotal are safe for concurrent use.
type Bar struct {
	w     io.Writer
	label string
	start time.Time

	done  atomic.Int64
	total atomic.Int64
	files atomic.Int64

	mu      sync.Mutex
	stop    chan struct{}
	stopped chan struct{}
	width   int // width of the last line drawn
}

// Interval is how often a running bar redraws.
const Interval = 200 * time.Millisecond

// New returns a bar for total bytes. When w is a terminal the bar redraws
// itself every Interval until Finish; otherwise it only counts.
func New(w io.Writer, label string, total int64) *Bar {
	b := &Bar{w: w, label: label, start: time.Now()}
	b.total.Store(total)
	if IsTerminal(w) {
		b.stop, b.stopped = make(chan struct{}), make(chan struct{})
		go b.loop()
	}
	return b
}

func (b *Bar) loop() {
	defer close(b.stopped)
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case now := <-t.C:
			b.draw(now)
		}
	}
}

// Add counts n more bytes done.
func (b *Bar) Add(n int64) { b.done.Add(n) }

// AddTotal grows the total (for transfers discovered while walking).
func (b *Bar) AddTotal(n int64) { b.total.Add(n) }

// FileDone counts one finished file.
func (b *Bar) FileDone() { b.files.Add(1) }

// Done returns the bytes counted so far.
func (b *Bar) Done() int64 { return b.done.Load() }

// Finish stops redrawing and leaves the final line on the terminal.
func (b *Bar) Finish() {
	if b.stop == nil {
		return
	}
	close(b.stop)
	<-b.stopped
	b.draw(time.Now())
	fmt.Fprintln(b.w)
}

func (b *Bar) draw(now time.Time) {
	line := b.Line(now)
	b.mu.Lock()
	defer b.mu.Unlock()
	pad := ""
	if n := b.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	b.width = len(line)
	fmt.Fprint(b.w, "\r"+line+pad)
}

// Line renders the bar as of now, e.g.
//
//	put  42% [########............]  430 MiB / 1.0 GiB  215 MiB/s  ETA 3s  12 files
func (b *Bar) Line(now time.Time) string {
	done, total := b.done.Load(), b.total.Load()
	el := now.Sub(b.start)
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el.Seconds()
	}
	var sb strings.Builder
	sb.WriteString(b.label)
	if total > 0 {
		frac := min(float64(done)/float64(total), 1)
		const cells = 20
		full := int(frac * cells)
		fmt.Fprintf(&sb, " %3.0f%% [%s%s]", frac*100, strings.Repeat("#", full), strings.Repeat(".", cells-full))
		fmt.Fprintf(&sb, "  %s / %s", Bytes(done), Bytes(total))
	} else {
		fmt.Fprintf(&sb, "  %s", Bytes(done))
	}
	fmt.Fprintf(&sb, "  %s/s", Bytes(int64(rate)))
	if total > 0 && done < total && rate > 0 {
		fmt.Fprintf(&sb, "  ETA %s", ETA(time.Duration(float64(total-done)/rate*float64(time.Second))))
	}
	if n := b.files.Load(); n > 0 {
		fmt.Fprintf(&sb, "  %d files", n)
	}
	return sb.String()
}

// Bytes formats n in binary units: 512 B, 1.5 KiB, 430 MiB, 1.0 GiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n), 0
	for v >= unit && exp < 6 {
		v /= unit
		exp++
	}
	suffix := []string{"", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}[exp]
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, suffix)
	}
	return fmt.Sprintf("%.0f %s", v, suffix)
}

// ETA formats a remaining time: 45s, 3m05s, 2h10m.
func ETA(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
