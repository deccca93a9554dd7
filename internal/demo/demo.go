package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/runner/kvfile"
)

// Options configure Run.
type Options struct {
	// Dir is the demo's data folder, laid out like any wasmdrive data
	// folder (inbox/, restore/, drives/default/), so the CLI and the
	// console work on it afterwards with --data Dir. Run empties it first,
	// but for its cache/ of plugin builds, unless Keep is set.
	Dir  string
	Keep bool
	// Out receives the walkthrough; Notes the one-off notes (stderr).
	Out, Notes io.Writer
}

// Layout is where Run left things.
type Layout struct {
	Dir     string `json:"dir"`     // the demo data folder (absolute)
	Inbox   string `json:"inbox"`   // the local files backed up
	Restore string `json:"restore"` // where the backup was restored
	Drive   string `json:"drive"`   // the local drive's folder (account "default")
	Target  string `json:"target"`  // the backup's folder on the drive
	Same    bool   `json:"same"`    // the restored tree equals the inbox byte for byte
}

// Run walks through the built-in plugins on a fresh local drive: a first
// backup, an incremental one, archive (dry run, then for real), cleanup
// (dry run, then for real), a restore checked file by file, and verify. An
// error stops it; a restore that differs from the source is an error too.
func Run(ctx context.Context, o Options) (*Layout, error) {
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if !o.Keep {
		if err := clearExceptCache(dir); err != nil {
			return nil, err
		}
	}
	cfg := config.Default()
	cfg.DataDir = dir
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Layout{Dir: dir, Inbox: cfg.InboxDir(), Restore: cfg.RestoreDir(), Drive: cfg.Accounts["default"].Dir, Target: "/Backup/inbox"}
	p := &printer{w: o.Out}

	p.step("Setting up in %s", dir)
	if err := writeSamples(l.Inbox); err != nil {
		return nil, err
	}
	d, err := accounts.Open(cfg, "default")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if c, ok := d.(io.Closer); ok {
		defer c.Close()
	}
	if err := seedDrive(ctx, d); err != nil {
		return nil, err
	}
	p.detail("%d sample files in %s", len(sampleFiles), l.Inbox)
	p.detail("a local drive in %s holding /Inbox (3 pdfs, one a duplicate, a log, empty folders) and /Backups (db-1 … db-4)", l.Drive)

	if o.Notes != nil {
		fmt.Fprintln(o.Notes, "(the plugins are compiled to WebAssembly the first time: up to a minute; later runs reuse the build)")
	}
	// The KV `wasmdrive run` uses, so a later `run backup --data Dir`
	// continues from the demo's backup.
	kv, err := kvfile.Open(filepath.Join(dir, "kv", "plugins.db"))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer kv.Close()
	e, err := NewEnv(ctx, d, EnvOptions{DataDir: dir, KV: kv, Configs: demoConfigs(l)})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	// The runs go to the folder's run store, so `serve --data Dir` and
	// `runs list --data Dir` show them.
	rec, err := OpenRecorder(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer rec.Close()
	e.Record = rec
	if err := walk(e, p, l); err != nil {
		return nil, err
	}
	if !l.Same {
		return l, fmt.Errorf("demo: the restored tree %s differs from the source %s", l.Restore, l.Inbox)
	}
	return l, nil
}

// clearExceptCache empties dir but for its cache/ folder (the plugins'
// builds, kept so a second demo and the commands on its data folder start
// at once).
func clearExceptCache(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo: clear %s: %w", dir, err)
	}
	for _, e := range ents {
		if e.Name() == "cache" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("demo: clear %s: %w", dir, err)
		}
	}
	return nil
}

// demoConfigs are the plugins' configs: backup mirrors the inbox keeping
// old versions; archive copies pdfs and moves logs out of /Inbox; cleanup
// keeps the 2 newest db sets, drops duplicates and empty folders.
func demoConfigs(l *Layout) map[string]map[string]any {
	return map[string]map[string]any{
		"backup": {"source": l.Inbox, "target": l.Target, "keep_versions": true, "deletion": "mirror"},
		"archive": {"rules": []any{
			map[string]any{"name": "pdfs", "folder": "/Inbox", "when": map[string]any{"extensions": []string{"pdf"}},
				"action": "copy", "dest": "/Archive/{yyyy}/{mm}", "conflict": "rename"},
			map[string]any{"name": "logs", "folder": "/Inbox", "when": map[string]any{"extensions": []string{"log"}},
				"action": "move", "dest": "/Logs/{yyyy}"}}},
		"cleanup": {"max_deletes": 50, "rules": []any{
			map[string]any{"name": "sets", "kind": "keep_newest", "folder": "/Backups", "keep": 2, "when": map[string]any{"names": []string{"db-*"}}},
			map[string]any{"name": "dups", "kind": "dedupe", "folder": "/Inbox"},
			map[string]any{"name": "empty", "kind": "empty_folders", "folder": "/Inbox"}}},
	}
}

// walk runs the plugin calls of the demo and prints what each did.
func walk(e *Env, p *printer, l *Layout) error {
	var b backupSummary
	p.step("backup %s → drive %s: the first run uploads everything", l.Inbox, l.Target)
	if err := e.Call("backup", "backup", nil, &b); err != nil {
		return err
	}
	p.details(b.lines())

	if err := changeSamples(l.Inbox); err != nil {
		return err
	}
	p.step("backup again after editing 1 file, adding 1, deleting 1 and renaming 1: only the changes move")
	b = backupSummary{}
	if err := e.Call("backup", "backup", nil, &b); err != nil {
		return err
	}
	p.details(b.lines())

	p.step("archive: pdfs in /Inbox are copied to /Archive/yyyy/mm, logs moved to /Logs/yyyy")
	var a archiveSummary
	if err := e.Call("archive", "archive", map[string]any{"dry_run": true}, &a); err != nil {
		return err
	}
	p.detail("dry run first:")
	p.details(indent(a.lines("planned")))
	a = archiveSummary{}
	if err := e.Call("archive", "archive", nil, &a); err != nil {
		return err
	}
	p.detail("then for real:")
	p.details(indent(a.lines("done")))

	p.step("cleanup: keep the 2 newest db-* sets in /Backups, drop duplicate files and empty folders in /Inbox")
	var c cleanupSummary
	if err := e.Call("cleanup", "cleanup", nil, &c); err != nil {
		return err
	}
	p.detail("a dry run by default:")
	p.details(indent(c.lines(true)))
	c = cleanupSummary{}
	if err := e.Call("cleanup", "cleanup", map[string]any{"dry_run": false}, &c); err != nil {
		return err
	}
	p.detail("with dry_run=false:")
	p.details(indent(c.lines(false)))

	p.step("restore drive %s into %s", l.Target, l.Restore)
	var r restoreSummary
	if err := e.Call("backup", "restore", map[string]any{"dest": l.Restore}, &r); err != nil {
		return err
	}
	p.details(r.lines())
	same, err := sameTree(l.Inbox, l.Restore)
	if err != nil {
		return err
	}
	l.Same = same
	if same {
		p.detail("the restored files equal the inbox byte for byte")
	} else {
		p.detail("the restored files DIFFER from the inbox")
	}

	p.step("verify: the backup on the drive against its manifest")
	var v verifySummary
	if err := e.Call("backup", "verify", map[string]any{}, &v); err != nil {
		return err
	}
	p.details(v.lines())
	return nil
}

// printer numbers the steps and indents their details.
type printer struct {
	w io.Writer
	n int
}

func (p *printer) step(format string, args ...any) {
	p.n++
	fmt.Fprintf(p.w, "\n%d. %s\n", p.n, fmt.Sprintf(format, args...))
}

func (p *printer) detail(format string, args ...any) {
	fmt.Fprintf(p.w, "   %s\n", fmt.Sprintf(format, args...))
}

func (p *printer) details(lines []string) {
	for _, l := range lines {
		fmt.Fprintf(p.w, "   %s\n", l)
	}
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + strings.TrimRight(l, " ")
	}
	return out
}
