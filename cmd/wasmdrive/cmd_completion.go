package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

func init() {
	register(&command{name: "completion", usage: "bash|zsh|fish",
		summary: "print a shell completion script (bash: source <(wasmdrive completion bash))", run: runCompletion})
}

func runCompletion(_ context.Context, env *cliEnv, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	switch args[0] {
	case "bash":
		writeBashCompletion(env.Stdout)
	case "zsh":
		fmt.Fprintln(env.Stdout, "#compdef wasmdrive")
		fmt.Fprintln(env.Stdout, "autoload -U +X bashcompinit && bashcompinit")
		writeBashCompletion(env.Stdout)
	case "fish":
		writeFishCompletion(env.Stdout)
	default:
		return fmt.Errorf("completion: unknown shell %q: use bash, zsh or fish: %w", args[0], errUsage)
	}
	return nil
}

// subcommandWords returns the second words of group's commands.
func subcommandWords(group string) []string {
	var out []string
	for _, n := range groups()[group] {
		out = append(out, strings.TrimPrefix(n, group+" "))
	}
	return out
}

// writeBashCompletion writes a bash completion function: commands, then
// the subcommands of a group, then files; the values of --config and
// --data are skipped when finding the command words.
func writeBashCompletion(w io.Writer) {
	fmt.Fprintf(w, `# wasmdrive bash completion: source <(wasmdrive completion bash)
_wasmdrive() {
  local cur=${COMP_WORDS[COMP_CWORD]} words=() i skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    if ((skip)); then skip=0; continue; fi
    case ${COMP_WORDS[i]} in
      --config|-config|--data|-data) skip=1 ;;
      -*) ;;
      *) words+=("${COMP_WORDS[i]}") ;;
    esac
  done
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "--config --data --json -v --help" -- "$cur"))
    return
  fi
  case ${#words[@]}:${words[0]} in
    0:) COMPREPLY=($(compgen -W "%s" -- "$cur")) ;;
`, strings.Join(topLevel(), " "))
	for _, g := range sortedGroups() {
		fmt.Fprintf(w, "    1:%s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")) ;;\n", g, strings.Join(subcommandWords(g), " "))
	}
	fmt.Fprintf(w, `    1:help) COMPREPLY=($(compgen -W "%s" -- "$cur")) ;;
    1:completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -o default -F _wasmdrive wasmdrive
`, strings.Join(topLevel(), " "))
}

// writeFishCompletion writes fish completions: commands with their
// summaries, then each group's subcommands.
func writeFishCompletion(w io.Writer) {
	fmt.Fprintln(w, "# wasmdrive fish completion: wasmdrive completion fish | source")
	fmt.Fprintln(w, "complete -c wasmdrive -l config -r -d 'config file (YAML)'")
	fmt.Fprintln(w, "complete -c wasmdrive -l data -r -d 'data folder'")
	fmt.Fprintln(w, "complete -c wasmdrive -l json -d 'machine-readable JSON output'")
	fmt.Fprintln(w, "complete -c wasmdrive -s v -d 'verbose logs'")
	gs := groups()
	for _, n := range topLevel() {
		desc := n + " commands"
		if c, ok := commands[n]; ok {
			desc = c.summary
		} else if n == "help" {
			desc = "show a command's help"
		}
		fmt.Fprintf(w, "complete -c wasmdrive -f -n __fish_use_subcommand -a %s -d %s\n", n, fishQuote(desc))
	}
	for _, g := range sortedGroups() {
		for _, full := range gs[g] {
			sub := strings.TrimPrefix(full, g+" ")
			fmt.Fprintf(w, "complete -c wasmdrive -f -n '__fish_seen_subcommand_from %s' -a %s -d %s\n", g, sub, fishQuote(commands[full].summary))
		}
	}
	fmt.Fprintln(w, "complete -c wasmdrive -f -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'")
}

// sortedGroups returns the group names, sorted.
func sortedGroups() []string {
	var out []string
	for _, n := range topLevel() {
		if _, ok := groups()[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

// fishQuote quotes s for fish, in single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
