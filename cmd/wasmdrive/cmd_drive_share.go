package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
)

func init() {
	register(&command{name: "drive share", usage: "[--account NAME] [--password P] [--expire 24h] [--description TEXT] PATH...",
		summary: "create a share link for files or folders", run: runDriveShare})
	register(&command{name: "drive request", usage: "[--account NAME] API_PATH [JSON | -]",
		summary: "custom request: an authenticated POST to any API path, JSON in and out", run: runDriveRequest})
}

func runDriveShare(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive share")
	pwd := fs.String("password", "", "extraction code (0–64 characters)")
	expire := fs.String("expire", "", "lifetime, e.g. 24h or 7d (default: permanent)")
	desc := fs.String("description", "", "description shown with the link")
	c, err := openDrive(env, fs, acct, args, 1, 100)
	if err != nil {
		return err
	}
	defer c.close()
	req := drive.ShareRequest{Password: *pwd, Description: *desc}
	if *expire != "" {
		d, err := parseLifetime(*expire)
		if err != nil {
			fmt.Fprintln(env.Stderr, err)
			return errUsage
		}
		req.Expiration = time.Now().Add(d).UTC().Truncate(time.Second)
	}
	for _, a := range c.args {
		p := remotePath(a)
		f, err := c.d.GetByPath(ctx, p)
		if err != nil {
			return withExit(fmt.Errorf("%s: %w", p, err))
		}
		req.FileIDs = append(req.FileIDs, f.FileID)
	}
	s, err := c.d.CreateShare(ctx, req)
	if err != nil {
		return withExit(fmt.Errorf("share: %w", err))
	}
	if env.JSON {
		return writeJSON(env.Stdout, s)
	}
	fmt.Fprintln(env.Stdout, termesc.String(s.ShareURL))
	if s.Password != "" {
		fmt.Fprintf(env.Stdout, "password: %s\n", termesc.String(s.Password))
	}
	if !s.Expiration.IsZero() {
		fmt.Fprintf(env.Stdout, "expires: %s\n", s.Expiration.Local().Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// parseLifetime reads a duration that may use days ("7d").
func parseLifetime(s string) (time.Duration, error) {
	var days float64
	if n, err := fmt.Sscanf(s, "%gd", &days); err == nil && n == 1 && s[len(s)-1] == 'd' {
		return time.Duration(days * 24 * float64(time.Hour)), nil
	}
	d, err := config.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expire %q is not a positive duration like 24h or 7d", s)
	}
	return d, nil
}

func runDriveRequest(ctx context.Context, env *cliEnv, args []string) error {
	fs, acct := newDriveFlags(env, "drive request")
	c, err := openDrive(env, fs, acct, args, 1, 2)
	if err != nil {
		return err
	}
	defer c.close()
	body := json.RawMessage("{}")
	if len(c.args) == 2 {
		if body, err = decodeJSONArg(c.args[1], os.Stdin); err != nil {
			return withExit(err)
		}
	}
	out, err := c.d.Request(ctx, c.args[0], body)
	if err != nil {
		return withExit(fmt.Errorf("request %s: %w", c.args[0], err))
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "  "); err != nil {
		buf.Reset()
		buf.Write(out)
	}
	buf.WriteByte('\n')
	_, err = env.Stdout.Write(buf.Bytes())
	return err
}
