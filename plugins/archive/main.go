// Command archive is wasmdrive's built-in archiving plugin: rules select
// drive files by name, extension, category, size and age below a folder,
// and copy or move them into a dated destination such as
// /Archive/{yyyy}/{mm}. A dry run lists what would happen. See README.md.
//
// The entry point (exports.go) is built for GOOS=wasip1; the logic here
// also builds natively.
package main

import (
	"encoding/json"
	"fmt"

	"github.com/wasmdrive/wasmdrive/plugins/internal/archivecore"
	"github.com/wasmdrive/wasmdrive/plugins/internal/drivefiles"
	"github.com/wasmdrive/wasmdrive/plugins/internal/pluginconf"
	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

// Config is the plugin's config; a run's input may override any key but
// subject (pluginconf.OutputKeys).
type Config struct {
	Rules  []archivecore.Rule `json:"rules"`
	DryRun bool               `json:"dry_run"`
	// Subject receives the run summary ("" = none).
	Subject string `json:"subject"`
}

// RuleSummary is one rule's outcome.
type RuleSummary struct {
	Name     string   `json:"name"`
	Planned  int      `json:"planned"`
	Done     int      `json:"done"`
	Skipped  int      `json:"skipped"`
	Failed   int      `json:"failed"`
	Examples []string `json:"examples,omitempty"` // first planned ops, "src -> dest"
	Errors   []string `json:"errors,omitempty"`
}

// Summary is the run's output.
type Summary struct {
	DryRun bool          `json:"dry_run"`
	Status string        `json:"status"` // ok, idle (no rules), partial
	Rules  []RuleSummary `json:"rules"`
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
		sdk.LogInfo("no archiving rules configured: nothing to do (add rules under plugins.enabled.archive.config.rules)")
		return &Summary{Status: "idle"}, nil
	}
	rules := make([]*archivecore.Compiled, 0, len(c.Rules))
	for i, r := range c.Rules {
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule%d", i+1)
		}
		cr, err := r.Compile()
		if err != nil {
			return nil, fmt.Errorf("config rules[%d]: %w", i, err)
		}
		rules = append(rules, cr)
	}
	now := sdk.Now()
	sum := &Summary{DryRun: c.DryRun, Status: "ok"}
	for _, r := range rules {
		rs := RuleSummary{Name: r.Name}
		files, err := drivefiles.Tree(r.Folder)
		if err != nil {
			return sum, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		ops, skipped, err := r.Plan(files, now, drivefiles.Names)
		if err != nil {
			return sum, err
		}
		rs.Planned, rs.Skipped = len(ops), len(skipped)
		for _, op := range ops {
			if len(rs.Examples) < maxListed {
				rs.Examples = append(rs.Examples, fmt.Sprintf("%s %s -> %s/%s", op.Action, op.File.Path, op.DestDir, op.Name))
			}
		}
		if !c.DryRun {
			execute(ops, &rs)
		}
		if rs.Failed > 0 {
			sum.Status = "partial"
		}
		sdk.LogInfo("archive rule", "rule", r.Name, "planned", rs.Planned, "done", rs.Done, "skipped", rs.Skipped,
			"failed", rs.Failed, "dry_run", c.DryRun)
		sum.Rules = append(sum.Rules, rs)
	}
	if c.Subject != "" {
		if err := sdk.Emit(c.Subject, sum, nil); err != nil {
			sdk.LogWarn("emit summary", "subject", c.Subject, "error", err)
		}
	}
	return sum, nil
}

// execute carries ops out: per destination folder, create it, trash the
// files being overwritten, then copy or move in batches.
func execute(ops []archivecore.Op, rs *RuleSummary) {
	fail := func(p string, err error) {
		rs.Failed++
		if len(rs.Errors) < maxListed {
			rs.Errors = append(rs.Errors, p+": "+err.Error())
		}
	}
	dirIDs := map[string]string{}
	var replace, items []sdk.BatchItem
	var itemOps []archivecore.Op
	for _, op := range ops {
		id, ok := dirIDs[op.DestDir]
		if !ok {
			f, err := sdk.Mkdir(op.DestDir)
			if err != nil {
				fail(op.File.Path, fmt.Errorf("create %s: %w", op.DestDir, err))
				continue
			}
			id = f.FileID
			dirIDs[op.DestDir] = id
		}
		if op.ReplaceID != "" && op.ReplaceID != "planned" {
			replace = append(replace, sdk.TrashItem(op.ReplaceID))
		}
		it := sdk.BatchItem{Op: op.Action, FileID: op.File.ID, ToParentID: id, CheckNameMode: sdk.NameRefuse}
		if op.Name != op.File.Name {
			it.NewName = op.Name
		}
		if op.ReplaceID == "planned" { // two sources, one name: the later wins
			it.CheckNameMode = sdk.NameOverwrite
		}
		items = append(items, it)
		itemOps = append(itemOps, op)
	}
	if len(replace) > 0 {
		if _, err := sdk.Batch(replace, sdk.BatchOptions{}); err != nil {
			for _, op := range itemOps {
				fail(op.File.Path, fmt.Errorf("trash the file to overwrite: %w", err))
			}
			return
		}
	}
	if len(items) == 0 {
		return
	}
	res, err := sdk.Batch(items, sdk.BatchOptions{})
	if err != nil {
		for _, op := range itemOps {
			fail(op.File.Path, err)
		}
		return
	}
	for i, r := range res {
		if r.Status >= 300 {
			msg := r.Code
			if r.Error != nil {
				msg = r.Error.Code + ": " + r.Error.Message
			}
			fail(itemOps[i].File.Path, fmt.Errorf("%s: status %d %s", itemOps[i].Action, r.Status, msg))
			continue
		}
		rs.Done++
	}
}
