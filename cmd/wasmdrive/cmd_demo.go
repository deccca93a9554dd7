package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/wasmdrive/wasmdrive/internal/demo"
)

func init() {
	register(&command{name: "demo", usage: "[--keep]",
		summary: "walk through the built-in plugins on a fresh local drive: backup, incremental backup, archive, cleanup, restore, verify",
		run:     runDemo})
}

func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	fset.SetOutput(env.Stderr)
	keep := fset.Bool("keep", false, "keep an existing demo folder instead of starting fresh")
	if err := fset.Parse(args); err != nil || fset.NArg() > 0 {
		return errUsage
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	out := env.Stdout
	if env.JSON {
		out = env.Stderr // stdout carries the JSON layout
	}
	fmt.Fprintln(out, "wasmdrive demo: the built-in plugins (backup, archive, cleanup) at work on a local drive")
	l, err := demo.Run(ctx, demo.Options{Dir: filepath.Join(cfg.DataDir, "demo"), Keep: *keep, Out: out, Notes: env.Stderr})
	if err != nil {
		return err
	}
	if env.JSON {
		return writeJSON(env.Stdout, l)
	}
	printDemoNext(out, l, selfCommand(), cfg.Console.Addr)
	return nil
}

// printDemoNext tells where the demo left things and the commands that
// look at them.
func printDemoNext(w io.Writer, l *demo.Layout, self, consoleAddr string) {
	run := func(args string) string { return fmt.Sprintf("%s --data %s %s", self, shellQuote(l.Dir), args) }
	fmt.Fprintf(w, "\nDone. Everything is in %s:\n", l.Dir)
	fmt.Fprintf(w, "  %-16s the local files that were backed up\n", rel(l.Dir, l.Inbox)+"/")
	fmt.Fprintf(w, "  %-16s where they were restored\n", rel(l.Dir, l.Restore)+"/")
	fmt.Fprintf(w, "  %-16s the local drive (SQLite metadata, content-addressed blobs)\n", rel(l.Dir, l.Drive)+"/")
	fmt.Fprintf(w, "\nLook at the drive:\n")
	fmt.Fprintf(w, "  %s\n", run("drive tree /"))
	fmt.Fprintf(w, "  %s\n", run("drive ls -l "+l.Target))
	fmt.Fprintf(w, "\nBack up again after changing files in %s (only the changes are sent):\n", l.Inbox)
	fmt.Fprintf(w, "  %s\n", run("run backup"))
	fmt.Fprintf(w, "\nOr serve this data folder with its web console (Ctrl-C stops it):\n")
	fmt.Fprintf(w, "  %s\n", run("serve"))
	fmt.Fprintf(w, "  then open %s\n", consoleURL(consoleAddr))
}

// selfCommand is how the user started this program: `go run
// ./cmd/wasmdrive` (or `go run MODULE/cmd/wasmdrive@VERSION`) for a go run
// build, else the name it was called by.
func selfCommand() string {
	if exe, err := os.Executable(); err == nil && strings.Contains(exe, string(filepath.Separator)+"go-build") {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return "go run " + bi.Path + "@" + bi.Main.Version
		}
		return "go run ./cmd/wasmdrive"
	}
	if len(os.Args) > 0 && os.Args[0] != "" {
		return shellQuote(os.Args[0])
	}
	return "wasmdrive"
}

// consoleURL is the address a browser on this machine opens.
func consoleURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// rel shortens p to a path relative to base when it is inside it.
func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
