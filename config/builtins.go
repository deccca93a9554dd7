package config

import "path/filepath"

// BuiltinPlugins are the plugins that ship with wasmdrive.
var BuiltinPlugins = []string{"backup", "archive", "cleanup"}

// InboxDir is the local folder the default backup mirrors: files dropped
// there land on the drive under /Backup/inbox on the next run.
func (c *Config) InboxDir() string { return filepath.Join(c.DataDir, "inbox") }

// applyBuiltinDefaults enables the built-in plugins that the operator did
// not list (unless plugins.disable_builtins is set), with settings that are
// safe on a fresh data folder: backup mirrors DataDir/inbox into
// /Backup/inbox, archive has no rules, cleanup only reports (dry run). An
// operator entry for a built-in replaces its default entirely.
func (c *Config) applyBuiltinDefaults() {
	if c.Plugins.DisableBuiltins {
		return
	}
	if c.Plugins.Enabled == nil {
		c.Plugins.Enabled = map[string]PluginConfig{}
	}
	defaults := map[string]PluginConfig{
		"backup": {Config: map[string]any{
			"source": c.InboxDir(),
			"target": "/Backup/inbox",
		}},
		"archive": {},
		"cleanup": {Config: map[string]any{"dry_run": true}},
	}
	for _, name := range BuiltinPlugins {
		if _, listed := c.Plugins.Enabled[name]; !listed {
			c.Plugins.Enabled[name] = defaults[name]
		}
	}
}
