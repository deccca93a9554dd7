package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/wasmdrive/wasmdrive/app"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

func init() {
	register(&command{name: "plugin enable", usage: "NAME",
		summary: "turn a plugin the config lists on again, on every node sharing the NATS (undoes plugin disable)",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			return runPluginSetEnabled(ctx, env, args, true)
		}})
	register(&command{name: "plugin disable", usage: "NAME",
		summary: "turn a plugin off on every node sharing the NATS, across restarts: its triggers stop firing and runs are refused",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			return runPluginSetEnabled(ctx, env, args, false)
		}})
}

// runPluginSetEnabled asks a serve node to enable or disable a plugin (it
// checks the name and stores the choice in app.EnabledBucket for every
// node). With no node running it stores the choice itself; nodes apply it
// when they start.
func runPluginSetEnabled(ctx context.Context, env *cliEnv, args []string, enabled bool) error {
	if len(args) != 1 {
		return errUsage
	}
	name := args[0]
	if !scaffoldNameRE.MatchString(name) {
		return fmt.Errorf("%q is not a plugin name (lower-case letters, digits, '-' or '_'; see wasmdrive plugin list)", name)
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	c, err := app.Connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	state := map[bool]string{true: "enabled", false: "disabled"}[enabled]
	where := "on every node of " + c.Where
	if c.Standalone {
		err = queue.ErrNoCatalog
	} else {
		err = c.Service.SetEnabled(ctx, name, enabled)
	}
	if errors.Is(err, queue.ErrNoCatalog) {
		kv, kerr := app.OpenEnabledBucket(ctx, c.Conn)
		if kerr != nil {
			return kerr
		}
		if err = app.PutOverride(ctx, kv, name, "cli", enabled); err != nil {
			return err
		}
		where = "when a node starts on " + c.Where + " (none is running now)"
	}
	if err != nil {
		return err
	}
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"plugin": name, "enabled": enabled})
	}
	fmt.Fprintf(env.Stdout, "plugin %s %s %s\n", name, state, where)
	return nil
}
