package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/plugins/e2e"
)

func init() {
	register(&command{name: "demo", usage: "[--keep]",
		summary: "walk through the built-in plugins on a fresh local drive: backup, incremental backup, archive, cleanup, restore, verify",
		run:     runDemo})
}

// demoStep prints one step's headline and the plugin's answer.
type demoStep struct {
	env *cliEnv
	n   int
}

func (s *demoStep) say(format string, args ...any) {
	s.n++
	fmt.Fprintf(s.env.Stdout, "\n%d. %s\n", s.n, fmt.Sprintf(format, args...))
}

func (s *demoStep) detail(format string, args ...any) {
	fmt.Fprintf(s.env.Stdout, "   %s\n", fmt.Sprintf(format, args...))
}

func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	fset.SetOutput(env.Stderr)
	keep := fset.Bool("keep", false, "keep an existing demo folder instead of starting fresh")
	if err := fset.Parse(args); err != nil {
		return errUsage
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	root, err := filepath.Abs(filepath.Join(cfg.DataDir, "demo"))
	if err != nil {
		return err
	}
	if !*keep {
		if err := os.RemoveAll(root); err != nil {
			return fmt.Errorf("demo: clear %s: %w", root, err)
		}
	}
	src, restore := filepath.Join(root, "local"), filepath.Join(root, "restore")
	st := &demoStep{env: env}
	st.say("Sample files in %s and a drive in %s", src, filepath.Join(root, "drive"))
	n, err := writeDemoFiles(src)
	if err != nil {
		return err
	}
	d, err := local.Open(filepath.Join(root, "drive"), local.Options{})
	if err != nil {
		return fmt.Errorf("demo: open the local drive: %w", err)
	}
	defer d.Close()
	if err := seedDemoDrive(ctx, d); err != nil {
		return err
	}
	st.detail("%d local files; drive holds /Inbox (pdfs, logs, a duplicate) and /Backups (old sets)", n)
	fmt.Fprintln(env.Stderr, "(building the plugins the first time takes a minute)")
	e, err := e2e.NewEnv(d, filepath.Join(root, "kv"), map[string]map[string]any{
		"backup": {"source": src, "target": "/Backup/demo", "keep_versions": true, "deletion": "mirror"},
		"archive": {"rules": []any{
			map[string]any{"name": "pdfs", "folder": "/Inbox", "when": map[string]any{"extensions": []string{"pdf"}},
				"action": "copy", "dest": "/Archive/{yyyy}/{mm}", "conflict": "rename"},
			map[string]any{"name": "logs", "folder": "/Inbox", "when": map[string]any{"extensions": []string{"log"}},
				"action": "move", "dest": "/Logs/{yyyy}"}}},
		"cleanup": {"max_deletes": 50, "rules": []any{
			map[string]any{"name": "sets", "kind": "keep_newest", "folder": "/Backups", "keep": 2, "when": map[string]any{"names": []string{"db-*"}}},
			map[string]any{"name": "dups", "kind": "dedupe", "folder": "/Inbox"},
			map[string]any{"name": "empty", "kind": "empty_folders", "folder": "/Inbox"}}},
	})
	if err != nil {
		return err
	}
	defer e.Close()

	var sum map[string]any
	st.say("backup: first run uploads everything")
	if err := e.Call("backup", "backup", nil, &sum); err != nil {
		return err
	}
	st.detail("%v", pick(sum, "status", "uploaded", "rapid", "bytes_sent", "elapsed_ms"))

	if err := changeDemoFiles(src); err != nil {
		return err
	}
	st.say("backup: after editing 1 file, adding 1, deleting 1 and renaming 1 (incremental)")
	if err := e.Call("backup", "backup", nil, &sum); err != nil {
		return err
	}
	st.detail("%v", pick(sum, "uploaded", "unchanged", "renamed", "removed", "versioned"))

	st.say("archive: dry run, then for real (pdfs copied to /Archive/yyyy/mm, logs moved to /Logs/yyyy)")
	if err := e.Call("archive", "archive", map[string]any{"dry_run": true}, &sum); err != nil {
		return err
	}
	st.detail("planned: %v", sum["rules"])
	if err := e.Call("archive", "archive", nil, &sum); err != nil {
		return err
	}
	st.detail("done: %v", sum["rules"])

	st.say("cleanup: dry run by default, then dry_run=false (keep 2 newest db sets, drop duplicates, empty folders)")
	if err := e.Call("cleanup", "cleanup", nil, &sum); err != nil {
		return err
	}
	st.detail("would: %v", sum["examples"])
	if err := e.Call("cleanup", "cleanup", map[string]any{"dry_run": false}, &sum); err != nil {
		return err
	}
	st.detail("%v", pick(sum, "status", "trashed", "failed"))

	st.say("restore into %s, checking the SHA-1 of every file", restore)
	if err := e.Call("backup", "restore", map[string]any{"dest": restore}, &sum); err != nil {
		return err
	}
	st.detail("%v", pick(sum, "status", "files", "verified", "bytes"))
	same, err := sameDemoTree(src, restore)
	if err != nil {
		return err
	}
	st.detail("restored tree equals the source byte for byte: %v", same)

	st.say("verify: the drive side against the manifest")
	if err := e.Call("backup", "verify", map[string]any{}, &sum); err != nil {
		return err
	}
	st.detail("%v", pick(sum, "status", "checked", "ok"))
	fmt.Fprintf(env.Stdout, "\nEverything is in %s. Look around with: wasmdrive drive tree (local account), or start the console with: wasmdrive serve\n", root)
	if !same {
		return fmt.Errorf("demo: the restored tree differs from the source")
	}
	return nil
}

func pick(m map[string]any, keys ...string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func writeDemoFiles(src string) (int, error) {
	files := map[string]string{
		"docs/report.txt":        "Quarterly report\n",
		"docs/notes/todo.md":     "- back up\n- archive\n",
		"docs/notes/日本語.txt":     "こんにちは\n",
		"photos/2026/beach.jpg":  strings.Repeat("JPEGDATA", 40000),
		"photos/2026/sunset.jpg": strings.Repeat("jpegdata", 30000),
		"src/main.go":            "package main\n\nfunc main() {}\n",
		"empty.txt":              "",
	}
	for p, c := range files {
		full := filepath.Join(src, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}

func changeDemoFiles(src string) error {
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(filepath.Join(src, "docs/report.txt"), []byte("Quarterly report, revised\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "docs/new.txt"), []byte("a new file\n"), 0o644); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(src, "src/main.go")); err != nil {
		return err
	}
	return os.Rename(filepath.Join(src, "photos/2026/sunset.jpg"), filepath.Join(src, "photos/2026/sunset-final.jpg"))
}

func seedDemoDrive(ctx context.Context, d drive.Drive) error {
	files := map[string]string{
		"/Inbox/invoice.pdf": "%PDF invoice", "/Inbox/contract.pdf": "%PDF contract", "/Inbox/server.log": "log line\n",
		"/Inbox/copy-of-invoice.pdf": "%PDF invoice", "/Backups/db-1": "set 1", "/Backups/db-2": "set 2",
		"/Backups/db-3": "set 3", "/Backups/db-4": "set 4",
	}
	for _, p := range []string{"/Inbox/invoice.pdf", "/Inbox/contract.pdf", "/Inbox/server.log", "/Inbox/copy-of-invoice.pdf",
		"/Backups/db-1", "/Backups/db-2", "/Backups/db-3", "/Backups/db-4"} {
		dir, name := filepath.Dir(p), filepath.Base(p)
		parent, err := d.MkdirAll(ctx, dir)
		if err != nil {
			return fmt.Errorf("demo: mkdir %s: %w", dir, err)
		}
		b := []byte(files[p])
		if _, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: parent.FileID, Name: name, Size: int64(len(b)),
			Content: bytes.NewReader(b), CheckNameMode: drive.NameOverwrite}); err != nil {
			return fmt.Errorf("demo: upload %s: %w", p, err)
		}
		time.Sleep(5 * time.Millisecond) // distinct times for keep_newest
	}
	_, err := d.MkdirAll(ctx, "/Inbox/empty/deeper")
	return err
}

// sameDemoTree compares two folders by the SHA-1 of every file.
func sameDemoTree(a, b string) (bool, error) {
	sums := func(root string) (map[string]string, error) {
		out := map[string]string{}
		err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			h := sha1.Sum(data)
			out[rel] = hex.EncodeToString(h[:])
			return nil
		})
		return out, err
	}
	sa, err := sums(a)
	if err != nil {
		return false, err
	}
	sb, err := sums(b)
	if err != nil {
		return false, err
	}
	if len(sa) != len(sb) {
		return false, nil
	}
	for k, v := range sa {
		if sb[k] != v {
			return false, nil
		}
	}
	return true, nil
}
