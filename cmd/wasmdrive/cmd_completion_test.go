package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletionBash checks the bash script's syntax (bash -n), then runs
// its completion function: it offers the commands, a group's
// subcommands, and skips the value of --data.
func TestCompletionBash(t *testing.T) {
	code, script, errs := cli("completion", "bash")
	if code != 0 {
		t.Fatalf("completion bash: exit %d: %s", code, errs)
	}
	f := filepath.Join(t.TempDir(), "wasmdrive.bash")
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	tests := []struct {
		words string // COMP_WORDS; the last one is completed
		want  []string
	}{
		{`wasmdrive ""`, []string{"serve", "drive", "runs", "plugin", "version", "completion", "help"}},
		{`wasmdrive --data /x dr`, []string{"drive"}},
		{`wasmdrive drive ""`, []string{"ls", "put", "mv", "share"}},
		{`wasmdrive --json runs l`, []string{"list", "logs"}},
		{`wasmdrive completion ""`, []string{"bash", "zsh", "fish"}},
	}
	for _, tt := range tests {
		n := len(strings.Fields(tt.words)) - 1
		sh := "source " + f + "; COMP_WORDS=(" + tt.words + "); COMP_CWORD=" + string(rune('0'+n)) + `; _wasmdrive; printf '%s\n' "${COMPREPLY[@]}"`
		out, err := exec.Command("bash", "-c", sh).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tt.words, err, out)
		}
		got := map[string]bool{}
		for _, w := range strings.Fields(string(out)) {
			got[w] = true
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("completing %s: %q missing from %q", tt.words, w, out)
			}
		}
	}
}

func TestCompletionZshFish(t *testing.T) {
	for _, sh := range []string{"zsh", "fish"} {
		code, out, errs := cli("completion", sh)
		if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "ls") {
			t.Errorf("completion %s: exit %d, %q (%s)", sh, code, out, errs)
		}
		if path, err := exec.LookPath(sh); err == nil {
			f := filepath.Join(t.TempDir(), "c."+sh)
			if err := os.WriteFile(f, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command(path, "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", sh, err, b)
			}
		}
	}
	if code, _, _ := cli("completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: exit %d, want %d", code, exitUsage)
	}
}
