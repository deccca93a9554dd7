package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
)

func init() {
	register(&command{name: "drive mkdir", usage: "[--account NAME] [-p] PATH", summary: "create a folder (-p: with parents, no error if it exists)", run: runDriveMkdir})
	register(&command{name: "drive mv", usage: "[--account NAME] SRC DST", summary: "move or rename a file or folder", run: runDriveMv})
	register(&command{name: "drive cp", usage: "[--account NAME] SRC DST", summary: "copy a file or folder", run: runDriveCp})
	register(&command{name: "drive rm", usage: "[--account NAME] [--permanent] PATH...", summary: "move files to the trash (--permanent: delete)", run: runDriveRm})
	register(&command{name: "drive restore", usage: "[--account NAME] [--list] [NAME_OR_ID...]", summary: "restore files from the trash (--list: show the trash)", run: runDriveRestore})
	register(&command{name: "drive search", usage: "[--account NAME] [--limit N] QUERY", summary: `search: a name, or a query like 'name match "x" and size > 1024'`, run: runDriveSearch})
}

func runDriveMkdir(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive mkdir")
	parents := fs.Bool("p", false, "create missing parents; an existing folder is not an error")
	c, err := openDrive(env, fs, acct, args, 1, 1)
	if err != nil {
		return err
	}
	defer c.close()
	p := remotePath(c.args[0])
	var f *drive.File
	if *parents {
		f, err = c.d.MkdirAll(ctx, p)
	} else {
		f, err = mkdirOne(ctx, c.d, p)
	}
	if err != nil {
		return withExit(fmt.Errorf("mkdir %s: %w", p, err))
	}
	if env.JSON {
		return writeJSON(env.Stdout, f)
	}
	fmt.Fprintf(env.Stdout, "%s %s\n", termesc.String(p), termesc.String(f.FileID))
	return nil
}

// mkdirOne creates p whose parent must exist; p must not exist.
func mkdirOne(ctx context.Context, d drive.Drive, p string) (*drive.File, error) {
	if p == "/" {
		return nil, &drive.Error{Status: 409, Code: drive.CodeAlreadyExist, Message: "the root always exists"}
	}
	parent, err := d.GetByPath(ctx, path.Dir(p))
	if err != nil {
		return nil, fmt.Errorf("parent %s: %w (use -p to create it)", path.Dir(p), err)
	}
	r, err := d.CreateFolder(ctx, parent.FileID, path.Base(p), drive.NameRefuse)
	if err != nil {
		return nil, err
	}
	if r.Exist {
		return nil, &drive.Error{Status: 409, Code: drive.CodeAlreadyExist, Message: "it already exists (use -p to accept that)"}
	}
	return r.File, nil
}

// target resolves DST of mv/cp: an existing folder receives SRC under its
// name; otherwise DST's parent folder receives it under DST's base name.
func target(ctx context.Context, d drive.Drive, src *drive.File, dst string) (parentID, newName string, err error) {
	if f, err := d.GetByPath(ctx, dst); err == nil {
		if f.IsFolder() {
			return f.FileID, "", nil
		}
		return "", "", &drive.Error{Status: 409, Code: drive.CodeAlreadyExist, Message: dst + " exists (remove it first)"}
	} else if !errors.Is(err, drive.ErrNotFound) {
		return "", "", err
	}
	parent, err := d.GetByPath(ctx, path.Dir(dst))
	if err != nil {
		return "", "", fmt.Errorf("folder %s: %w", path.Dir(dst), err)
	}
	if !parent.IsFolder() {
		return "", "", drive.Invalid("%s is not a folder", path.Dir(dst))
	}
	name := path.Base(dst)
	if name == src.Name {
		name = ""
	}
	return parent.FileID, name, nil
}

func runDriveMv(ctx context.Context, env *cliEnv, args []string) error {
	return moveOrCopy(ctx, env, args, "mv")
}

func runDriveCp(ctx context.Context, env *cliEnv, args []string) error {
	return moveOrCopy(ctx, env, args, "cp")
}

func moveOrCopy(ctx context.Context, env *cliEnv, args []string, verb string) error {
	fs, acct := newDriveFlags(env, "drive "+verb)
	c, err := openDrive(env, fs, acct, args, 2, 2)
	if err != nil {
		return err
	}
	defer c.close()
	srcPath, dstPath := remotePath(c.args[0]), remotePath(c.args[1])
	src, err := c.d.GetByPath(ctx, srcPath)
	if err != nil {
		return withExit(fmt.Errorf("%s: %w", srcPath, err))
	}
	parentID, newName, err := target(ctx, c.d, src, dstPath)
	if err != nil {
		return withExit(fmt.Errorf("%s %s %s: %w", verb, srcPath, dstPath, err))
	}
	var res *drive.MoveResult
	switch {
	case verb == "cp":
		res, err = c.d.Copy(ctx, src.FileID, parentID, drive.CopyOptions{NewName: newName})
	case parentID == src.ParentFileID && newName != "":
		var f *drive.File
		f, err = c.d.Update(ctx, src.FileID, drive.UpdateOptions{Name: &newName, CheckNameMode: drive.NameRefuse})
		if err == nil {
			res = &drive.MoveResult{FileID: f.FileID}
		}
	default:
		res, err = c.d.Move(ctx, src.FileID, parentID, drive.MoveOptions{NewName: newName, CheckNameMode: drive.NameRefuse})
		if err == nil && res.Exist {
			err = &drive.Error{Status: 409, Code: drive.CodeAlreadyExist, Message: "the target folder already has that name"}
		}
	}
	if hasDriveCode(err, drive.CodeForbiddenMoveSubtree) {
		return &exitError{code: exitInvalid, err: fmt.Errorf("%s %s %s: a folder cannot go inside itself or one of its subfolders: choose a destination outside %s", verb, srcPath, dstPath, srcPath)}
	}
	if err != nil {
		return withExit(fmt.Errorf("%s %s %s: %w", verb, srcPath, dstPath, err))
	}
	if env.JSON {
		return writeJSON(env.Stdout, res)
	}
	fmt.Fprintf(env.Stdout, "%s -> %s (%s)\n", termesc.String(srcPath), termesc.String(dstPath), termesc.String(res.FileID))
	return nil
}

func runDriveRm(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive rm")
	permanent := fs.Bool("permanent", false, "delete permanently instead of moving to the trash")
	c, err := openDrive(env, fs, acct, args, 1, -1)
	if err != nil {
		return err
	}
	defer c.close()
	type result struct {
		Path   string `json:"path"`
		FileID string `json:"file_id,omitempty"`
		Error  string `json:"error,omitempty"`
	}
	var (
		out    []result
		first  error
		failed int
	)
	for _, a := range c.args {
		p := remotePath(a)
		r := result{Path: p}
		f, err := c.d.GetByPath(ctx, p)
		if err == nil && f.FileID == drive.RootID {
			err = drive.Invalid("refusing to remove the root folder")
		}
		if err == nil {
			r.FileID = f.FileID
			if *permanent {
				err = c.d.Delete(ctx, f.FileID)
			} else {
				err = c.d.Trash(ctx, f.FileID)
			}
		}
		if err != nil {
			r.Error = err.Error()
			failed++
			if first == nil {
				first = fmt.Errorf("rm %s: %w", p, err)
			}
			if !env.JSON {
				fmt.Fprintf(env.Stderr, "rm %s: %s\n", termesc.String(p), termesc.Text(err.Error()))
			}
		} else if !env.JSON {
			verb := "trashed"
			if *permanent {
				verb = "deleted"
			}
			fmt.Fprintf(env.Stdout, "%s %s\n", verb, termesc.String(p))
		}
		out = append(out, r)
	}
	if env.JSON {
		if err := writeJSON(env.Stdout, out); err != nil {
			return err
		}
	}
	if first == nil {
		return nil
	}
	if env.JSON {
		return withExit(first)
	}
	// Each failure is printed above: the error says only how many.
	return &exitError{code: exitCode(first), err: fmt.Errorf("%d of %d paths not removed (see above)", failed, len(c.args))}
}

func runDriveRestore(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive restore")
	list := fs.Bool("list", false, "list the trash")
	c, err := openDrive(env, fs, acct, args, 0, -1)
	if err != nil {
		return err
	}
	defer c.close()
	tm, ok := c.d.(drive.TrashManager)
	if !ok {
		return withExit(fmt.Errorf("this account's drive cannot list or restore the trash: %w", drive.ErrUnsupported))
	}
	var trash []*drive.File
	marker := ""
	for {
		l, err := tm.ListTrash(ctx, drive.ListOptions{Limit: 100, Marker: marker})
		if err != nil {
			return withExit(fmt.Errorf("list trash: %w", err))
		}
		trash = append(trash, l.Items...)
		if l.NextMarker == "" {
			break
		}
		marker = l.NextMarker
	}
	if *list || len(c.args) == 0 {
		if env.JSON {
			if trash == nil {
				trash = []*drive.File{}
			}
			return writeJSON(env.Stdout, trash)
		}
		for _, f := range trash {
			fmt.Fprintf(env.Stdout, "%-24s %s\n", termesc.String(f.FileID), displayName(f))
		}
		return nil
	}
	var restored []*drive.File
	for _, a := range c.args {
		var match []*drive.File
		for _, f := range trash {
			if f.FileID == a || f.Name == a {
				match = append(match, f)
			}
		}
		switch len(match) {
		case 0:
			return withExit(fmt.Errorf("restore %s: %w (see `wasmdrive drive restore --list`)", a, drive.NotFound(a)))
		case 1:
		default:
			return withExit(fmt.Errorf("restore %s: %d trashed files have that name; give the id (see --list): %w", a, len(match), drive.ErrInvalid))
		}
		if err := tm.Restore(ctx, match[0].FileID); err != nil {
			return withExit(fmt.Errorf("restore %s: %w", a, err))
		}
		restored = append(restored, match[0])
		if !env.JSON {
			fmt.Fprintf(env.Stdout, "restored %s (%s)\n", displayName(match[0]), termesc.String(match[0].FileID))
		}
	}
	if env.JSON {
		return writeJSON(env.Stdout, restored)
	}
	return nil
}

// searchQuery turns a bare word into a name match; a query that already
// uses the query language is passed through.
func searchQuery(q string) string {
	for _, op := range []string{" match ", "=", ">", "<", " in ", " and ", " or "} {
		if strings.Contains(q, op) {
			return q
		}
	}
	return fmt.Sprintf("name match %q", q)
}

func runDriveSearch(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive search")
	limit := fs.Int("limit", 100, "most results to show")
	c, err := openDrive(env, fs, acct, args, 1, -1)
	if err != nil {
		return err
	}
	defer c.close()
	q := searchQuery(strings.Join(c.args, " "))
	var items []*drive.File
	marker := ""
	for len(items) < *limit {
		l, err := c.d.Search(ctx, drive.SearchOptions{Query: q, Limit: min(100, *limit-len(items)), Marker: marker})
		if err != nil {
			return withExit(fmt.Errorf("search %s: %w", q, err))
		}
		items = append(items, l.Items...)
		if l.NextMarker == "" {
			break
		}
		marker = l.NextMarker
	}
	if env.JSON {
		if items == nil {
			items = []*drive.File{}
		}
		return writeJSON(env.Stdout, items)
	}
	for _, f := range items {
		fmt.Fprintf(env.Stdout, "%-24s %s\n", termesc.String(f.FileID), displayName(f))
	}
	return nil
}

// decodeJSONArg reads a JSON argument ("-" reads stdin).
func decodeJSONArg(arg string, stdin io.Reader) (json.RawMessage, error) {
	b := []byte(arg)
	if arg == "-" {
		var err error
		if b, err = io.ReadAll(stdin); err != nil {
			return nil, err
		}
	}
	if !json.Valid(b) {
		return nil, drive.Invalid("the request body is not valid JSON: %.60s", arg)
	}
	return b, nil
}
