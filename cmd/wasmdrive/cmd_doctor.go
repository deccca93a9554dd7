package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wasmdrive/wasmdrive/app"
	"github.com/wasmdrive/wasmdrive/config"
)

func init() {
	register(&command{name: "doctor", usage: "", summary: "check config, accounts, NATS, plugins and the data folder, and say what to do about each problem", run: runDoctor})
}

func runDoctor(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 0 {
		return errUsage
	}
	cfg, cfgErr := loadConfig(env)
	if cfg == nil {
		cfg = config.Default()
	}
	rep := app.Doctor(ctx, cfg, cfgErr)
	if env.JSON {
		if err := writeJSON(env.Stdout, rep); err != nil {
			return err
		}
	} else {
		printReport(env, rep)
	}
	if !rep.OK {
		return &exitError{code: 1, err: errors.New("problems found (see above)")}
	}
	return nil
}

func printReport(env *cliEnv, rep *app.Report) {
	w := env.Stdout
	area := ""
	marks := map[string]string{app.CheckOK: "ok  ", app.CheckWarn: "WARN", app.CheckFail: "FAIL"}
	var fails, warns int
	for _, c := range rep.Checks {
		if c.Area != area {
			area = c.Area
			fmt.Fprintf(w, "\n%s\n", strings.ToUpper(area))
		}
		fmt.Fprintf(w, "  [%s] %-28s %s\n", marks[c.Status], c.Name, c.Detail)
		if c.Fix != "" && c.Status != app.CheckOK {
			fmt.Fprintf(w, "         → %s\n", c.Fix)
		}
		switch c.Status {
		case app.CheckFail:
			fails++
		case app.CheckWarn:
			warns++
		}
	}
	fmt.Fprintf(w, "\n%d checks: %d failed, %d warnings\n", len(rep.Checks), fails, warns)
}
