package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunBenchFlagsAndReport: the harness parses its flags (and the old
// leading "bench" word), renders the report header to stdout with "--out -"
// or to a file, and rejects an unknown flag as a usage error.
func TestRunBenchFlagsAndReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "B.md")
	tests := []struct {
		name     string
		args     []string
		toStdout bool
	}{
		{"stdout", []string{"--only", "no such suite", "--out", "-", "--dir", t.TempDir()}, true},
		{"old spelling", []string{"bench", "--only", "no such suite", "--out", "-"}, true},
		{"file", []string{"--only", "no such suite", "--out", out}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := runBench(context.Background(), &stdout, &stderr, tc.args); err != nil {
				t.Fatalf("runBench: %v\n%s", err, stderr.String())
			}
			got := stdout.String()
			if !tc.toStdout {
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if want := "go run ./cmd/wasmdrive-bench --only 'no such suite'"; !strings.Contains(got, want) {
				t.Errorf("report %q does not name %q", got, want)
			}
		})
	}
	var stderr bytes.Buffer
	if err := runBench(context.Background(), &bytes.Buffer{}, &stderr, []string{"--bogus"}); !isFlagError(err) {
		t.Errorf("unknown flag: err %v, want a flag error", err)
	}
}
