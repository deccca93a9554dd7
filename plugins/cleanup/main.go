// Command cleanup is wasmdrive's built-in retention plugin: trash files by
// age, size or pattern, keep the newest N of a set, keep one copy of
// duplicate content, empty old trash, remove empty folders. Rules are dry
// runs unless the config says dry_run: false, and a run that would remove
// more than max_deletes files refuses and reports. See README.md.
//
// The entry point (exports.go) is built for GOOS=wasip1; the logic here
// also builds natively.
package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wasmdrive/wasmdrive/plugins/internal/cleanupcore"
	"github.com/wasmdrive/wasmdrive/plugins/internal/drivefiles"
	"github.com/wasmdrive/wasmdrive/plugins/internal/match"
	"github.com/wasmdrive/wasmdrive/plugins/internal/pluginconf"
	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

// Config is the plugin's config; a run's input may override any key but
// subject (pluginconf.OutputKeys).
type Config struct {
	Rules []cleanupcore.Rule `json:"rules"`
	// DryRun is the default of rules that do not set dry_run (true).
	DryRun *bool `json:"dry_run"`
	// MaxDeletes is the hard cap on files removed per run.
	MaxDeletes int    `json:"max_deletes"`
	Subject    string `json:"subject"`
}

// Summary is the run's output.
type Summary struct {
	Status   string   `json:"status"` // ok, idle (no rules), partial, refused
	Planned  int      `json:"planned"`
	DryRun   int      `json:"dry_run"` // planned actions only reported
	Trashed  int      `json:"trashed"`
	Deleted  int      `json:"deleted"`
	Failed   int      `json:"failed"`
	Examples []string `json:"examples,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

const maxListed = 100

func run(ctx sdk.Ctx) (*Summary, error) {
	var raw json.RawMessage
	if err := sdk.ReadConfig(&raw); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var c Config
	if err := pluginconf.Merge(raw, ctx.Input(), &c); err != nil {
		return nil, err
	}
	if len(c.Rules) == 0 {
		// Enabled but not configured yet (the default on a fresh data
		// folder): nothing to do is a success, not a failed run.
		sdk.LogInfo("no cleanup rules configured: nothing to do (add rules under plugins.enabled.cleanup.config.rules)")
		return &Summary{Status: "idle"}, nil
	}
	if c.MaxDeletes <= 0 {
		c.MaxDeletes = 1000
	}
	dry := true
	if c.DryRun != nil {
		dry = *c.DryRun
	}
	now := sdk.Now()
	var plans [][]cleanupcore.Action
	for i, r := range c.Rules {
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule%d", i+1)
		}
		if r.DryRun == nil {
			r.DryRun = &dry
		}
		cr, err := r.Compile()
		if err != nil {
			return nil, fmt.Errorf("config rules[%d]: %w", i, err)
		}
		files, err := listFor(cr)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", cr.Name, err)
		}
		plans = append(plans, cr.Plan(files, now))
	}
	acts := cleanupcore.Merge(plans...)
	sum := &Summary{Status: "ok", Planned: len(acts)}
	for _, a := range acts {
		if a.DryRun {
			sum.DryRun++
		}
		if len(sum.Examples) < maxListed {
			mode := ""
			if a.DryRun {
				mode = " (dry run)"
			}
			sum.Examples = append(sum.Examples, fmt.Sprintf("%s %s: %s [%s]%s", a.Op, a.File.Path, a.Reason, a.Rule, mode))
		}
	}
	if err := cleanupcore.CheckCap(acts, c.MaxDeletes); err != nil {
		sum.Status = "refused"
		sdk.LogError("cleanup refused", "error", err, "planned", len(acts))
		return sum, err
	}
	execute(acts, sum)
	sdk.LogInfo("cleanup done", "planned", sum.Planned, "dry_run", sum.DryRun, "trashed", sum.Trashed,
		"deleted", sum.Deleted, "failed", sum.Failed)
	if c.Subject != "" {
		if err := sdk.Emit(c.Subject, sum, nil); err != nil {
			sdk.LogWarn("emit summary", "subject", c.Subject, "error", err)
		}
	}
	return sum, nil
}

// listFor lists what a rule looks at: the trash for empty_trash, the
// folder's subtree otherwise.
func listFor(c *cleanupcore.Compiled) ([]match.File, error) {
	if c.Kind != cleanupcore.KindEmptyTrash {
		return drivefiles.Tree(c.Folder)
	}
	var out []match.File
	for f, err := range sdk.ListAll(sdk.ListOptions{Trash: true, Limit: 100}) {
		if errors.Is(err, sdk.ErrUnsupported) {
			sdk.LogWarn("empty_trash: this drive cannot list its trash; rule skipped", "rule", c.Name)
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list trash: %w", err)
		}
		if f.Path == "" {
			f.Path = "/" + f.Name
		}
		out = append(out, drivefiles.FromSDK(f))
	}
	return out, nil
}

func execute(acts []cleanupcore.Action, sum *Summary) {
	var items []sdk.BatchItem
	var real []cleanupcore.Action
	for _, a := range acts {
		if a.DryRun {
			continue
		}
		if a.Op == cleanupcore.OpDelete {
			items = append(items, sdk.DeleteItem(a.File.ID))
		} else {
			items = append(items, sdk.TrashItem(a.File.ID))
		}
		real = append(real, a)
	}
	if len(items) == 0 {
		return
	}
	fail := func(a cleanupcore.Action, msg string) {
		sum.Status = "partial"
		sum.Failed++
		if len(sum.Errors) < maxListed {
			sum.Errors = append(sum.Errors, a.File.Path+": "+msg)
		}
	}
	res, err := sdk.Batch(items, sdk.BatchOptions{})
	if err != nil {
		for _, a := range real {
			fail(a, err.Error())
		}
		return
	}
	for i, r := range res {
		a := real[i]
		if r.Status >= 300 && r.Status != 404 {
			fail(a, fmt.Sprintf("status %d %s", r.Status, r.Code))
			continue
		}
		if a.Op == cleanupcore.OpDelete {
			sum.Deleted++
		} else {
			sum.Trashed++
		}
	}
}
