// Command wasmdrive automates cloud drives with sandboxed WebAssembly plugins.
//
// Subcommands are registered by the files of this package (one file per
// command group) through register; main only dispatches.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/wasmdrive/wasmdrive/internal/redact"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
)

// command is one subcommand (or subcommand group: "drive ls" is registered as
// name "drive ls").
type command struct {
	name    string // "serve", "drive ls", ...
	usage   string // one line: args
	summary string // one line: what it does
	// run executes the command. args are the arguments after the command
	// name. Return errUsage for bad usage.
	run func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what every command gets: global flags and output streams.
type cliEnv struct {
	Stdout, Stderr io.Writer
	ConfigPath     string // --config
	DataDir        string // --data (overrides config data_dir)
	JSON           bool   // --json
	Verbose        bool   // -v
}

var errUsage = errors.New("usage")

// exitUsage is the exit code of a command line that cannot be run as given.
const exitUsage = 2

// exitError carries a process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("wasmdrive: duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	// Packages that log through slog's default (the plugin loader, the
	// builder) write in the same text format as serve's logger, with
	// secrets redacted, instead of the log package's format.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{ReplaceAttr: redact.ReplaceAttr})))
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain takes the global flags out of args (wherever they stand, see
// splitArgs), finds the longest registered command name that prefixes the
// rest, and runs it. It returns the exit code.
func runMain(args []string, stdout, stderr io.Writer) int {
	env := &cliEnv{Stdout: stdout, Stderr: stderr}
	fs := flag.NewFlagSet("wasmdrive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&env.ConfigPath, "config", os.Getenv("WASMDRIVE_CONFIG"), "config file (YAML)")
	fs.StringVar(&env.DataDir, "data", "", "data folder (default: config data_dir, or ./wasmdrive-data)")
	fs.BoolVar(&env.JSON, "json", false, "machine-readable JSON output")
	fs.BoolVar(&env.Verbose, "v", false, "verbose logs")
	fs.Usage = func() { printUsage(stderr) }
	globals, rest, help := splitArgs(args)
	if err := fs.Parse(globals); err != nil {
		return exitUsage
	}
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0] == "help" {
		rest, help = rest[1:], true
	}
	if help {
		if showHelp(stdout, rest) {
			return 0
		}
		return unknownCommand(stderr, rest)
	}
	cmd, cmdArgs := lookup(rest)
	if cmd == nil {
		if len(rest) == 0 {
			printUsage(stderr)
			return exitUsage
		}
		if _, ok := groups()[rest[0]]; ok && len(rest) == 1 {
			printGroupHelp(stderr, rest[0])
			return exitUsage
		}
		return unknownCommand(stderr, rest)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, env, cmdArgs)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stderr, "usage: wasmdrive %s %s\n  %s\n", cmd.name, cmd.usage, cmd.summary)
		return exitUsage
	}
	fmt.Fprintf(stderr, "wasmdrive %s: %s\n", cmd.name, termesc.Text(err.Error()))
	return exitCode(err)
}

// unknownCommand reports words as an unknown command, with the nearest
// registered one, and returns the usage exit code.
func unknownCommand(stderr io.Writer, words []string) int {
	fmt.Fprintf(stderr, "wasmdrive: unknown command %q\n", termesc.Text(strings.Join(words, " ")))
	if s := suggest(words); s != "" {
		fmt.Fprintf(stderr, "did you mean %q?\n", s)
	}
	fmt.Fprintln(stderr, "Run 'wasmdrive help' for the list of commands.")
	return exitUsage
}

func lookup(args []string) (*command, []string) {
	for n := len(args); n > 0; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c, args[n:]
		}
	}
	return nil, nil
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: wasmdrive [--config FILE] [--data DIR] [--json] [-v] COMMAND [ARGS]")
	fmt.Fprintln(w, "Global flags may also follow the command; -h or --help after any command prints its help.")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	printCommandLines(w, names)
	fmt.Fprintln(w, "\nRun 'wasmdrive help COMMAND' for a command's usage.")
}
