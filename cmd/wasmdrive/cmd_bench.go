package main

import (
	"context"
	"fmt"
	"strings"
)

// benchCommand is how to run the benchmark harness, which lives in its own
// main package (cmd/wasmdrive-bench) so this binary links neither the
// harness nor its browser driver.
const benchCommand = "go run ./cmd/wasmdrive-bench"

func init() {
	register(&command{
		name:    "bench",
		usage:   "[--quick] [--only NAME] [--out BENCHMARKS.md] ...",
		summary: "not in this binary: from a checkout, run `" + benchCommand + "` (writes BENCHMARKS.md)",
		run:     runBench,
	})
}

// runBench says where the benchmark harness went; it fails with the unsupported exit code.
func runBench(_ context.Context, _ *cliEnv, args []string) error {
	cmd := benchCommand
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"$\\*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		cmd += " " + a
	}
	return &exitError{code: exitUnsupported, err: fmt.Errorf("the benchmark harness is not part of the wasmdrive binary; from a wasmdrive checkout run `%s`", cmd)}
}
