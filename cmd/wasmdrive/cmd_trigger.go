package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/wasmdrive/wasmdrive/app"
)

func init() {
	register(&command{name: "trigger", usage: "PLUGIN [--entry E] [--input JSON|-] [--key K]",
		summary: "queue a run of a plugin on the service (any node runs it); --key makes it idempotent", run: runTrigger})
}

func runTrigger(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("trigger", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cf := addCallFlags(fs)
	key := fs.String("key", "", "idempotency key: triggering again with the same key makes no second run")
	plugin, in, err := cf.parse(fs, args)
	if err != nil {
		return err
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
	rec, err := c.Service.Trigger(ctx, plugin, *cf.entry, in, *key)
	if err != nil {
		return err
	}
	if env.JSON {
		return writeJSON(env.Stdout, rec)
	}
	fmt.Fprintln(env.Stdout, rec.ID)
	fmt.Fprintf(env.Stderr, "queued run %s of %s via %s (status %s)\n", rec.ID, rec.Plugin, c.Where, rec.Status)
	if c.Standalone {
		fmt.Fprintln(env.Stderr, "no node is running: it starts with `wasmdrive serve`")
	}
	fmt.Fprintf(env.Stderr, "follow it: wasmdrive runs logs %s -f\n", rec.ID)
	return nil
}
