package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/internal/progress"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
)

func init() {
	register(&command{name: "drive fsck", usage: "[--account NAME] [--dry-run] [--force]",
		summary: "check a local drive against its blobs and repair it (rebuilds lost metadata)", run: runDriveFsck})
}

func runDriveFsck(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive fsck")
	dry := fs.Bool("dry-run", false, "report only, change nothing")
	force := fs.Bool("force", false, "run although another process has the drive open")
	pos, err := parseInterspersed(fs, args)
	if err != nil || len(pos) > 0 {
		return errUsage
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	name, a, err := accounts.Lookup(cfg, *acct)
	if err != nil {
		return withExit(err)
	}
	if a.Type != "" && a.Type != accounts.TypeLocal {
		return withExit(fmt.Errorf("drive fsck: account %s is of type %s; fsck checks local drives only", name, a.Type))
	}
	if a.Dir == "" {
		return withExit(fmt.Errorf("drive fsck: account %s has no data folder (set accounts.%s.dir)", name, name))
	}
	rep, err := local.Fsck(ctx, a.Dir, local.FsckOptions{DryRun: *dry, Force: *force})
	if err != nil {
		return withExit(err)
	}
	if env.JSON {
		if err := writeJSON(env.Stdout, rep); err != nil {
			return err
		}
	} else {
		printFsck(env, name, rep)
	}
	if !rep.Clean() {
		return &exitError{code: exitFsckLeft, err: fmt.Errorf("drive fsck: %d damaged and %d missing contents could not be repaired: re-upload the files listed", len(rep.Damaged), len(rep.Missing))}
	}
	return nil
}

func printFsck(env *cliEnv, account string, r *local.FsckReport) {
	w := env.Stdout
	verb := "recovered"
	if r.DryRun {
		verb = "would recover"
		fmt.Fprintln(w, "dry run: nothing was changed")
	}
	fmt.Fprintf(w, "account %s, %s\n", account, r.Dir)
	from := "rebuilt from the blobs"
	if r.Snapshot != nil {
		from = "restored from the metadata snapshot of " + r.Snapshot.Local().Format("2006-01-02 15:04:05") + ", then checked against the blobs"
	}
	if r.DryRun {
		from = "would be " + from
	}
	switch r.Database {
	case "missing":
		fmt.Fprintf(w, "metadata: meta.db was missing or empty; %s\n", from)
	case "damaged":
		fmt.Fprintf(w, "metadata: meta.db was damaged (kept as %s); %s\n", r.DamagedDatabase, from)
	case "other-generation":
		fmt.Fprintln(w, "metadata: meta.db and the blobs were of different generations; reconciled")
	default:
		fmt.Fprintln(w, "metadata: ok")
	}
	fmt.Fprintf(w, "blobs: %d checked, %d healthy, %d damaged, %d restored from quarantine\n", r.BlobsChecked, r.Healthy, len(r.Damaged), r.Restored)
	var size int64
	for _, f := range r.Recovered {
		size += f.Size
	}
	fmt.Fprintf(w, "%s %d files (%s) into %s, named by their SHA-1\n", verb, len(r.Recovered), progress.Bytes(size), local.LostAndFound)
	if env.Verbose {
		for _, f := range r.Recovered {
			fmt.Fprintf(w, "  %s (%s)\n", termesc.String(f.Path), progress.Bytes(f.Size))
		}
	}
	for _, b := range r.Damaged {
		fmt.Fprintf(env.Stderr, "damaged: content %s (%s) does not match its hash (kept as %s); re-upload: %s\n", b.SHA1, progress.Bytes(b.Size), b.Blob, termesc.String(strings.Join(b.Files, ", ")))
	}
	for _, b := range r.Missing {
		if b.Dropped {
			fmt.Fprintf(env.Stderr, "missing: content %s (%s) is gone; left out of the restored metadata (deleted after the snapshot, or lost): %s\n",
				b.SHA1, progress.Bytes(b.Size), termesc.String(strings.Join(b.Files, ", ")))
			continue
		}
		fmt.Fprintf(env.Stderr, "missing: content %s (%s) is gone; re-upload: %s\n", b.SHA1, progress.Bytes(b.Size), termesc.String(strings.Join(b.Files, ", ")))
	}
}
