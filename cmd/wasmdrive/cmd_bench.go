package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/wasmdrive/wasmdrive/bench"
)

func init() {
	register(&command{
		name:    "bench",
		usage:   "[--quick] [--only NAME] [--out BENCHMARKS.md] [--dir SCRATCH] [--cpuprofile F] [--blockprofile F]",
		summary: "measure end-to-end figures against native Go and peers; write BENCHMARKS.md",
		run:     runBench,
	})
}

func runBench(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	quick := fs.Bool("quick", false, "smaller sizes (a smoke run)")
	only := fs.String("only", "", "run only suites whose name contains this")
	out := fs.String("out", "BENCHMARKS.md", "report file ('-' for stdout)")
	dir := fs.String("dir", "", "scratch folder (default: a temp folder, removed after)")
	appendOut := fs.Bool("append", false, "add the sections to the end of --out instead of replacing it")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the whole run to this file")
	blockProfile := fs.String("blockprofile", "", "write a block profile (pprof) of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	stop, err := startProfiles(*cpuProfile, *blockProfile)
	if err != nil {
		return err
	}
	defer stop()
	scratch := *dir
	if scratch == "" {
		d, err := os.MkdirTemp("", "wasmdrive-bench-")
		if err != nil {
			return fmt.Errorf("scratch folder: %w", err)
		}
		defer os.RemoveAll(d)
		scratch = d
	}
	var buf bytes.Buffer
	runErr := bench.RunAll(ctx, bench.Config{Dir: scratch, Quick: *quick}, *only, !*appendOut, &buf, env.Stderr)
	if *out == "-" {
		_, err := env.Stdout.Write(buf.Bytes())
		if err != nil {
			return err
		}
	} else if err := writeReport(*out, buf.Bytes(), *appendOut); err != nil {
		return fmt.Errorf("write report: %w", err)
	} else {
		fmt.Fprintf(env.Stderr, "bench: wrote %s\n", *out)
	}
	return runErr
}

// startProfiles starts the CPU profile and block profiling asked for;
// stop writes them.
func startProfiles(cpu, block string) (stop func(), err error) {
	var cpuFile *os.File
	if cpu != "" {
		if cpuFile, err = os.Create(cpu); err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	if block != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond / 10))
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if block != "" {
			if f, err := os.Create(block); err == nil {
				pprof.Lookup("block").WriteTo(f, 0)
				f.Close()
			}
		}
	}, nil
}

// writeReport writes (or appends) the rendered report to path.
func writeReport(path string, b []byte, appendOut bool) error {
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if appendOut {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
