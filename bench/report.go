package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// RunAll runs the suites whose names contain only (all when empty) and
// writes a Markdown report to w: with header, a title and the machine;
// without, just the sections (for appending to a report). Progress goes to
// log.
func RunAll(ctx context.Context, cfg Config, only string, header bool, w, log io.Writer) error {
	var b strings.Builder
	if header {
		fmt.Fprintf(&b, "# BENCHMARKS\n\n")
		fmt.Fprintf(&b, "Machine: %s/%s, %d CPUs, %s, %s. Every ratio compares figures measured in the same run;\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), runtime.Version())
		fmt.Fprintf(&b, "absolute figures on this shared 2-core machine vary by up to 2-3x from run to run.\n\n")
	}
	fmt.Fprintf(&b, "<!-- `go run ./cmd/wasmdrive-bench%s%s` on %s -->\n\n", quickFlag(cfg), onlyFlag(only), time.Now().UTC().Format("2006-01-02 15:04 MST"))
	failed := 0
	for _, s := range Suites() {
		if only != "" && !strings.Contains(strings.ToLower(s.Name), strings.ToLower(only)) {
			continue
		}
		fmt.Fprintf(log, "bench: %s ...\n", s.Name)
		start := time.Now()
		rows, err := s.Run(ctx, cfg)
		fmt.Fprintf(&b, "## %s%s\n\nReproduce: `%s%s` (generated %s)\n\n", s.Name, sizeNote(cfg), s.Command, quickFlag(cfg), time.Now().UTC().Format("2006-01-02 15:04 MST"))
		if err != nil {
			failed++
			fmt.Fprintf(&b, "**Failed:** %v\n\n", err)
			fmt.Fprintf(log, "bench: %s failed: %v\n", s.Name, err)
		}
		if len(rows) > 0 {
			writeTable(&b, rows)
		}
		fmt.Fprintf(log, "bench: %s done in %s\n", s.Name, time.Since(start).Round(time.Millisecond))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d suite(s) failed; see the report", failed)
	}
	return nil
}

func writeTable(b *strings.Builder, rows []Row) {
	b.WriteString("| figure | value | compared with | ratio | goal | met | note |\n|---|---:|---|---:|---|---|---|\n")
	for _, r := range rows {
		ratio := ""
		if r.Ratio != 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		met := ""
		if r.Met != nil {
			met = "no"
			if *r.Met {
				met = "yes"
			}
		}
		fmt.Fprintf(b, "| %s | %s %s | %s | %s | %s | %s | %s |\n", r.Name, num(r.Value), r.Unit, r.Peer, ratio, r.Goal, met, r.Note)
	}
	b.WriteString("\n")
}

func num(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func quickFlag(cfg Config) string {
	if cfg.Quick {
		return " --quick"
	}
	return ""
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if i := strings.Index(line, ":"); i >= 0 {
				return strings.TrimSpace(line[i+1:])
			}
		}
	}
	return "unknown CPU"
}

func onlyFlag(only string) string {
	if only == "" {
		return ""
	}
	return fmt.Sprintf(" --only '%s'", only)
}

func sizeNote(cfg Config) string {
	if cfg.Quick {
		return " (quick sizes)"
	}
	return " (full sizes)"
}

// Bool returns a pointer to v, for Row.Met.
func Bool(v bool) *bool { return &v }
