package demo

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The parts of the plugins' JSON results the walkthrough prints.
type (
	backupSummary struct {
		Status    string            `json:"status"`
		Files     int               `json:"files"`
		Uploaded  int               `json:"uploaded"`
		Rapid     int               `json:"rapid"`
		BytesSent int64             `json:"bytes_sent"`
		Unchanged int               `json:"unchanged"`
		Renamed   int               `json:"renamed"`
		Removed   int               `json:"removed"`
		Versioned int               `json:"versioned"`
		ElapsedMS int64             `json:"elapsed_ms"`
		Errors    []json.RawMessage `json:"errors"`
	}
	archiveRule struct {
		Name     string   `json:"name"`
		Planned  int      `json:"planned"`
		Done     int      `json:"done"`
		Skipped  int      `json:"skipped"`
		Failed   int      `json:"failed"`
		Examples []string `json:"examples"`
		Errors   []string `json:"errors"`
	}
	archiveSummary struct {
		Status string        `json:"status"`
		Rules  []archiveRule `json:"rules"`
	}
	cleanupSummary struct {
		Status   string   `json:"status"`
		Planned  int      `json:"planned"`
		Trashed  int      `json:"trashed"`
		Deleted  int      `json:"deleted"`
		Failed   int      `json:"failed"`
		Examples []string `json:"examples"`
		Errors   []string `json:"errors"`
	}
	restoreSummary struct {
		Status    string            `json:"status"`
		Files     int               `json:"files"`
		Bytes     int64             `json:"bytes"`
		Verified  int               `json:"verified"`
		Errors    []json.RawMessage `json:"errors"`
		ElapsedMS int64             `json:"elapsed_ms"`
	}
	verifySummary struct {
		Status      string            `json:"status"`
		Checked     int               `json:"checked"`
		OK          int               `json:"ok"`
		Differences []json.RawMessage `json:"differences"`
	}
)

// maxExamples bounds the example lines printed per rule.
const maxExamples = 4

func (s backupSummary) lines() []string {
	sent := fmt.Sprintf("%d uploaded (%s sent)", s.Uploaded, bytesText(s.BytesSent))
	parts := []string{sent}
	for _, c := range []struct {
		n    int
		what string
	}{{s.Rapid, "already on the drive (rapid upload)"}, {s.Unchanged, "unchanged"}, {s.Renamed, "renamed on the drive instead of uploaded again"},
		{s.Removed, "removed from the backup"}, {s.Versioned, "old versions kept in .versions/"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	out := []string{fmt.Sprintf("%s: %s", s.Status, strings.Join(parts, ", ")),
		fmt.Sprintf("the backup now holds %d files (%d ms)", s.Files, s.ElapsedMS)}
	return append(out, rawProblems(s.Errors)...)
}

func (s archiveSummary) lines(verb string) []string {
	var out []string
	for _, r := range s.Rules {
		line := fmt.Sprintf("rule %q: %d %s", r.Name, r.Planned, verb)
		if verb != "planned" {
			line = fmt.Sprintf("rule %q: %d done, %d skipped, %d failed", r.Name, r.Done, r.Skipped, r.Failed)
		}
		out = append(out, line)
		if verb == "planned" {
			out = append(out, examples(r.Examples)...)
		}
		out = append(out, problems(r.Errors)...)
	}
	if len(out) == 0 {
		out = append(out, "no rules ("+s.Status+")")
	}
	return out
}

func (s cleanupSummary) lines(dryRun bool) []string {
	var out []string
	if dryRun {
		out = append(out, fmt.Sprintf("%s: would act on %d items, nothing changed:", s.Status, s.Planned))
		out = append(out, examples(s.Examples)...)
	} else {
		out = append(out, fmt.Sprintf("%s: %d moved to the drive's trash, %d deleted, %d failed", s.Status, s.Trashed, s.Deleted, s.Failed))
	}
	return append(out, problems(s.Errors)...)
}

func (s restoreSummary) lines() []string {
	out := []string{fmt.Sprintf("%s: %d files (%s) restored, %d checked by SHA-1, in %d ms", s.Status, s.Files, bytesText(s.Bytes), s.Verified, s.ElapsedMS)}
	return append(out, rawProblems(s.Errors)...)
}

func (s verifySummary) lines() []string {
	out := []string{fmt.Sprintf("%s: %d files on the drive checked against the backup manifest, %d match", s.Status, s.Checked, s.OK)}
	return append(out, rawProblems(s.Differences)...)
}

// examples indents up to maxExamples example lines.
func examples(ex []string) []string {
	var out []string
	for i, e := range ex {
		if i == maxExamples {
			out = append(out, fmt.Sprintf("  … and %d more", len(ex)-i))
			break
		}
		out = append(out, "  "+e)
	}
	return out
}

func problems(errs []string) []string {
	var out []string
	for _, e := range errs {
		out = append(out, "  problem: "+e)
	}
	return out
}

func rawProblems(errs []json.RawMessage) []string {
	var out []string
	for _, e := range errs {
		out = append(out, "  problem: "+strings.TrimSpace(string(e)))
	}
	return out
}

// bytesText renders a byte count for people.
func bytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
