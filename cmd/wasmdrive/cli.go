package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// globalFlags are the flags runMain parses, wherever they stand on the
// command line (before a "--"); the value says whether the flag takes a
// value. No subcommand defines a flag of the same name.
var globalFlags = map[string]bool{"config": true, "data": true, "json": false, "v": false}

// flagName returns the name of a flag argument ("--data=x" -> "data",
// true) and whether it carries its value after "=".
func flagName(arg string) (name string, hasValue bool, ok bool) {
	if len(arg) < 2 || arg[0] != '-' || arg == "--" {
		return "", false, false
	}
	name = strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	if i := strings.IndexByte(name, '='); i >= 0 {
		return name[:i], true, true
	}
	return name, false, true
}

// splitArgs takes the global flags and the help flags (-h, -help, --help)
// out of args wherever they stand, so "serve --data X", "runs list --json"
// and "--json runs list" are the same command line. A "--" ends the
// search: it and everything after it stay in rest as given. A value flag
// without "=" takes the next argument as its value.
func splitArgs(args []string) (globals, rest []string, help bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return globals, append(rest, args[i:]...), help
		}
		name, hasValue, ok := flagName(a)
		if !ok {
			rest = append(rest, a)
			continue
		}
		if name == "h" || name == "help" {
			help = true
			continue
		}
		takesValue, global := globalFlags[name]
		if !global {
			rest = append(rest, a)
			continue
		}
		globals = append(globals, a)
		if takesValue && !hasValue && i+1 < len(args) {
			i++
			globals = append(globals, args[i])
		}
	}
	return globals, rest, help
}

// groups returns the command groups ("drive", "plugin", "runs") with
// their subcommands' full names, sorted.
func groups() map[string][]string {
	g := map[string][]string{}
	for n := range commands {
		if i := strings.IndexByte(n, ' '); i > 0 {
			g[n[:i]] = append(g[n[:i]], n)
		}
	}
	for _, names := range g {
		sort.Strings(names)
	}
	return g
}

// topLevel returns the first words of every command ("serve", "drive",
// "help", ...), sorted.
func topLevel() []string {
	seen := map[string]bool{"help": true}
	for n := range commands {
		seen[strings.SplitN(n, " ", 2)[0]] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// printCommandHelp prints one command's usage and summary.
func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: wasmdrive %s %s\n  %s\n", c.name, c.usage, c.summary)
	fmt.Fprintln(w, "\nglobal flags (anywhere on the line): --config FILE, --data DIR, --json, -v")
}

// printGroupHelp prints the subcommands of group ("drive").
func printGroupHelp(w io.Writer, group string) {
	fmt.Fprintf(w, "usage: wasmdrive %s COMMAND [ARGS]\n\ncommands:\n", group)
	printCommandLines(w, groups()[group])
	fmt.Fprintf(w, "\nRun 'wasmdrive help %s COMMAND' for a command's usage.\n", group)
}

// printCommandLines prints "name usage  summary" for each of names.
func printCommandLines(w io.Writer, names []string) {
	for _, n := range names {
		c := commands[n]
		line := n + " " + c.usage
		if len(line) <= 34 {
			fmt.Fprintf(w, "  %-34s %s\n", line, c.summary)
		} else {
			fmt.Fprintf(w, "  %s\n  %-34s %s\n", line, "", c.summary)
		}
	}
}

// showHelp prints the help for words (a command, a group, or nothing: the
// whole usage) to w. It returns false when words name nothing.
func showHelp(w io.Writer, words []string) bool {
	if len(words) == 0 {
		printUsage(w)
		return true
	}
	if c, rest := lookup(words); c != nil && len(rest) == 0 {
		printCommandHelp(w, c)
		return true
	}
	if _, ok := groups()[words[0]]; ok && len(words) == 1 {
		printGroupHelp(w, words[0])
		return true
	}
	return false
}

// suggest returns the registered command nearest to what the user typed
// (args without the global flags), or "" when none is close. A command of
// k words is compared with the first k words typed; the smallest distance
// relative to the command's length wins.
func suggest(args []string) string {
	cands := topLevel()
	for n := range commands {
		if strings.Contains(n, " ") {
			cands = append(cands, n)
		}
	}
	sort.Strings(cands)
	best, bestScore := "", 1.0
	for _, c := range cands {
		k := strings.Count(c, " ") + 1
		if k > len(args) {
			continue
		}
		d := editDistance(strings.Join(args[:k], " "), c)
		if d == 0 || d > len(c)/2 {
			continue
		}
		if score := float64(d) / float64(len(c)); score < bestScore {
			best, bestScore = c, score
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
