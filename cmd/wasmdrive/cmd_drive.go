package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path"
	"strings"
	"text/tabwriter"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/internal/progress"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
)

// Exit codes of the drive commands (2 is usage, from main).
const (
	exitGeneric     = 1
	exitNotFound    = 3
	exitPermission  = 4 // permission denied or authentication failed
	exitRateLimited = 5
	exitExists      = 6
	exitQuota       = 7
	exitUnsupported = 8
	exitUnavailable = 9
	exitNeedsFsck   = 10 // a local drive's metadata does not account for its blobs: run drive fsck
	exitFsckLeft    = 11 // drive fsck found damaged or missing content it could not repair
	// exitIncomplete: a plugin ran to its end but did not do all of it
	// (status partial, differences or refused in its summary; cmd_run.go).
	exitIncomplete = 12
)

// readOnlyCommands only read: their local drive does no cleanup at open.
var readOnlyCommands = map[string]bool{"drive ls": true, "drive tree": true, "drive stat": true, "drive usage": true, "drive get": true, "drive search": true}

func init() {
	register(&command{name: "drive ls", usage: "[--account NAME] [-l] [PATH]", summary: "list a drive folder", run: runDriveLs})
	register(&command{name: "drive tree", usage: "[--account NAME] [--depth N] [PATH]", summary: "show a drive folder tree", run: runDriveTree})
	register(&command{name: "drive stat", usage: "[--account NAME] PATH", summary: "show a file's metadata", run: runDriveStat})
	register(&command{name: "drive usage", usage: "[--account NAME]", summary: "show used and total space", run: runDriveUsage})
}

// driveCmd is what a drive command has after parsing: its flags, the
// positional arguments and the opened account.
type driveCmd struct {
	env     *cliEnv
	fs      *flag.FlagSet
	account *string
	args    []string
	d       drive.Drive
	close   func()
	dataDir string // the config's data_dir
}

// newDriveFlags returns a flag set with the --account flag every drive
// command takes.
func newDriveFlags(env *cliEnv, name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	acct := fs.String("account", "", "account to use (default: the config's default_account)")
	return fs, acct
}

// parseInterspersed parses flags that may come after positional arguments
// ("put a b /dst --overwrite"); everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// openDrive parses args with fs, checks the count of positional arguments
// (max < 0: any) and opens the account.
func openDrive(env *cliEnv, fs *flag.FlagSet, acct *string, args []string, minArgs, maxArgs int) (*driveCmd, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) < minArgs || maxArgs >= 0 && len(pos) > maxArgs {
		return nil, errUsage
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return nil, err
	}
	open := accounts.Open
	if readOnlyCommands[fs.Name()] {
		open = accounts.OpenReadOnly
	}
	d, err := open(cfg, *acct)
	if err != nil {
		return nil, withExit(err)
	}
	return &driveCmd{env: env, fs: fs, account: acct, args: pos, d: d, dataDir: cfg.DataDir, close: func() {
		if c, ok := d.(io.Closer); ok {
			_ = c.Close()
		}
	}}, nil
}

// loadConfig loads the config named by --config with --data applied.
func loadConfig(env *cliEnv) (*config.Config, error) {
	over := map[string]any{}
	if env.DataDir != "" {
		over["data_dir"] = env.DataDir
	}
	return config.Load(env.ConfigPath, nil, over)
}

// withExit attaches the exit code that matches err's kind.
func withExit(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) || errors.Is(err, errUsage) {
		return err
	}
	return &exitError{code: exitCode(err), err: err}
}

// remotePath makes p absolute and clean ("docs" -> "/docs").
func remotePath(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return path.Clean(p)
}

// writeJSON prints v as indented JSON; an empty list is [] (see jsonList).
func writeJSON(w io.Writer, v any) error {
	v = jsonList(v)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// listAll returns every entry of a folder.
func listAll(ctx context.Context, d drive.Drive, parentID string) ([]*drive.File, error) {
	var all []*drive.File
	marker := ""
	for {
		l, err := d.List(ctx, drive.ListOptions{ParentFileID: parentID, Limit: 100, Marker: marker, OrderBy: "name", OrderDirection: "ASC"})
		if err != nil {
			return nil, err
		}
		all = append(all, l.Items...)
		if l.NextMarker == "" {
			return all, nil
		}
		marker = l.NextMarker
	}
}

// displayName is a file's name for a terminal: control characters
// escaped (termesc), folders with a trailing slash.
func displayName(f *drive.File) string {
	if f.IsFolder() {
		return termesc.String(f.Name) + "/"
	}
	return termesc.String(f.Name)
}

func runDriveLs(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive ls")
	long := fs.Bool("l", false, "long format: type, size, modified time, id")
	c, err := openDrive(env, fs, acct, args, 0, 1)
	if err != nil {
		return err
	}
	defer c.close()
	p := "/"
	if len(c.args) == 1 {
		p = remotePath(c.args[0])
	}
	f, err := c.d.GetByPath(ctx, p)
	if err != nil {
		return withExit(fmt.Errorf("%s: %w", p, err))
	}
	items := []*drive.File{f}
	if f.IsFolder() {
		if items, err = listAll(ctx, c.d, f.FileID); err != nil {
			return withExit(fmt.Errorf("list %s: %w", p, err))
		}
	}
	if env.JSON {
		return writeJSON(env.Stdout, items)
	}
	if !*long {
		for _, it := range items {
			fmt.Fprintln(env.Stdout, displayName(it))
		}
		return nil
	}
	for _, it := range items {
		size := progress.Bytes(it.Size)
		if it.IsFolder() {
			size = "-"
		}
		fmt.Fprintf(env.Stdout, "%-6s %10s  %s  %-24s  %s\n", termesc.String(it.Type), size, it.UpdatedAt.Local().Format("2006-01-02 15:04"), termesc.String(it.FileID), displayName(it))
	}
	return nil
}

func runDriveTree(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive tree")
	depth := fs.Int("depth", 0, "descend at most this many levels (0: all)")
	c, err := openDrive(env, fs, acct, args, 0, 1)
	if err != nil {
		return err
	}
	defer c.close()
	p := "/"
	if len(c.args) == 1 {
		p = remotePath(c.args[0])
	}
	root, err := c.d.GetByPath(ctx, p)
	if err != nil {
		return withExit(fmt.Errorf("%s: %w", p, err))
	}
	var all []*drive.File
	var walk func(f *drive.File, prefix string, level int) error
	walk = func(f *drive.File, prefix string, level int) error {
		if !f.IsFolder() || *depth > 0 && level >= *depth {
			return nil
		}
		kids, err := listAll(ctx, c.d, f.FileID)
		if err != nil {
			return fmt.Errorf("list %s: %w", f.Path, err)
		}
		for i, k := range kids {
			k.Path = path.Join(f.Path, k.Name)
			all = append(all, k)
			if !env.JSON {
				branch, next := "├── ", "│   "
				if i == len(kids)-1 {
					branch, next = "└── ", "    "
				}
				fmt.Fprintln(env.Stdout, prefix+branch+displayName(k))
				if err := walk(k, prefix+next, level+1); err != nil {
					return err
				}
			} else if err := walk(k, prefix, level+1); err != nil {
				return err
			}
		}
		return nil
	}
	root.Path = p
	if !env.JSON {
		fmt.Fprintln(env.Stdout, termesc.String(p))
	}
	if err := walk(root, "", 0); err != nil {
		return withExit(err)
	}
	if env.JSON {
		if all == nil {
			all = []*drive.File{}
		}
		return writeJSON(env.Stdout, all)
	}
	return nil
}

func runDriveStat(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive stat")
	c, err := openDrive(env, fs, acct, args, 1, 1)
	if err != nil {
		return err
	}
	defer c.close()
	p := remotePath(c.args[0])
	f, err := c.d.GetByPath(ctx, p)
	if err != nil {
		return withExit(fmt.Errorf("%s: %w", p, err))
	}
	if f.Path == "" {
		f.Path = p
	}
	if env.JSON {
		return writeJSON(env.Stdout, f)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, termesc.String(v))
		}
	}
	row("path", f.Path)
	row("id", f.FileID)
	row("type", f.Type)
	if !f.IsFolder() {
		row("size", fmt.Sprintf("%d (%s)", f.Size, progress.Bytes(f.Size)))
		row("sha1", f.ContentHash)
		row("category", f.Category)
	}
	if !f.CreatedAt.IsZero() {
		row("created", f.CreatedAt.Local().Format("2006-01-02 15:04:05 MST"))
		row("modified", f.UpdatedAt.Local().Format("2006-01-02 15:04:05 MST"))
	}
	row("status", f.Status)
	return tw.Flush()
}

func runDriveUsage(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive usage")
	c, err := openDrive(env, fs, acct, args, 0, 0)
	if err != nil {
		return err
	}
	defer c.close()
	s, err := c.d.SpaceInfo(ctx)
	if err != nil {
		return withExit(err)
	}
	if env.JSON {
		return writeJSON(env.Stdout, s)
	}
	pct := 0.0
	if s.TotalSize > 0 {
		pct = float64(s.UsedSize) / float64(s.TotalSize) * 100
	}
	fmt.Fprintf(env.Stdout, "used %s of %s (%.1f%%), %s free\n", progress.Bytes(s.UsedSize), progress.Bytes(s.TotalSize), pct,
		progress.Bytes(max(s.TotalSize-s.UsedSize, 0)))
	return nil
}
