package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/trigger"
)

// checkPlugins checks the plugins the config enables against what host
// loaded, the same way for serve and doctor: plugins.enabled naming a
// plugin no folder holds, a listed plugin that does not load (manifest,
// config, grants) and a bad trigger (schedule, subject) are errors naming
// the plugin and the key. It returns the enabled plugins' triggers. A
// plugin the operator turned off keeps its triggers, which do not fire
// while it is off (pluginEnabled).
func checkPlugins(ctx context.Context, cfg *config.Config, host *runner.Host, log *slog.Logger) ([]*trigger.Schedule, []*trigger.SubjectTrigger, error) {
	infos, err := host.Plugins(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("app: plugins: %w", err)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	var errs []error
	var scheds []*trigger.Schedule
	var subs []*trigger.SubjectTrigger
	have := map[string]bool{}
	var names []string
	for _, pi := range infos {
		have[pi.Name] = true
		names = append(names, pi.Name)
	}
	enabled := make([]string, 0, len(cfg.Plugins.Enabled))
	for n := range cfg.Plugins.Enabled {
		enabled = append(enabled, n)
	}
	sort.Strings(enabled)
	for _, n := range enabled {
		if !have[n] {
			hint := "built-ins are off (plugins.disable_builtins)"
			if !cfg.Plugins.DisableBuiltins {
				hint = "plugins.dirs add to the built-ins"
			}
			errs = append(errs, &config.FieldError{Path: "plugins.enabled." + n,
				Reason: fmt.Sprintf("no plugin named %q in the plugin folders (found: %s; %s): add its folder to plugins.dirs or remove the entry", n, strings.Join(names, ", "), hint)})
		}
	}
	for _, pi := range infos {
		pc, listed := cfg.Plugins.Enabled[pi.Name]
		if pi.Error != "" && listed && !pc.Disabled {
			// The operator asked for this plugin: a broken manifest or
			// trigger fails the start instead of silently running less.
			msg := pi.Error
			if !strings.HasPrefix(msg, "plugin "+pi.Name+":") {
				msg = "plugin " + pi.Name + ": " + msg
			}
			errs = append(errs, errors.New(msg))
			continue
		}
		if pi.Error != "" {
			if log != nil {
				log.Warn("plugin not loaded", "plugin", pi.Name, "err", pi.Error)
			}
			continue
		}
		if !listed || pc.Disabled {
			continue
		}
		l, err := host.Loaded(pi.Name)
		if err != nil {
			continue
		}
		for i, t := range l.Triggers {
			switch {
			case t.Schedule != "":
				s, err := trigger.NewSchedule(pi.Name, i, t)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				scheds = append(scheds, s)
			case t.Subject != "":
				s, err := trigger.NewSubjectTrigger(pi.Name, i, t)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				subs = append(subs, s)
			}
		}
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("app: bad plugin config (fix plugins.enabled.NAME in the config, or the plugin's plugin.yaml):\n%w", errors.Join(errs...))
	}
	return scheds, subs, nil
}
