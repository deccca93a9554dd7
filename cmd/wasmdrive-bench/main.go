// Command wasmdrive-bench measures end-to-end figures against native Go and
// peers and writes BENCHMARKS.md. It is its own main package so the
// wasmdrive product binary links neither the harness nor its browser
// driver (chromedp): from a checkout, run `go run ./cmd/wasmdrive-bench`.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/wasmdrive/wasmdrive/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runBench(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case isFlagError(err):
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "wasmdrive-bench: %v\n", err)
		os.Exit(1)
	}
}

// flagError marks a bad command line (the flag package already said why).
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func isFlagError(err error) bool {
	var fe *flagError
	return errors.As(err, &fe)
}

// runBench parses the flags in args, runs the suites and writes the report.
func runBench(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	if len(args) > 0 && args[0] == "bench" {
		args = args[1:] // the old spelling, `wasmdrive bench ...`
	}
	fs := flag.NewFlagSet("wasmdrive-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "smaller sizes (a smoke run)")
	only := fs.String("only", "", "run only suites whose name contains this")
	out := fs.String("out", "BENCHMARKS.md", "report file ('-' for stdout)")
	dir := fs.String("dir", "", "scratch folder (default: a temp folder, removed after)")
	appendOut := fs.Bool("append", false, "add the sections to the end of --out instead of replacing it")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the whole run to this file")
	blockProfile := fs.String("blockprofile", "", "write a block profile (pprof) of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &flagError{err}
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
	runErr := bench.RunAll(ctx, bench.Config{Dir: scratch, Quick: *quick}, *only, !*appendOut, &buf, stderr)
	if *out == "-" {
		_, err := stdout.Write(buf.Bytes())
		if err != nil {
			return err
		}
	} else if err := writeReport(*out, buf.Bytes(), *appendOut); err != nil {
		return fmt.Errorf("write report: %w", err)
	} else {
		fmt.Fprintf(stderr, "bench: wrote %s\n", *out)
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
