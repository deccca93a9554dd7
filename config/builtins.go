package config

import "path/filepath"

// BuiltinPlugins are the plugins that ship with wasmdrive.
var BuiltinPlugins = []string{"backup", "archive", "cleanup"}

// InboxDir is the local folder the default backup mirrors: files dropped
// there land on the drive under /Backup/inbox on the next run.
func (c *Config) InboxDir() string { return filepath.Join(c.DataDir, "inbox") }

// RestoreDir is where the default backup may restore files to.
func (c *Config) RestoreDir() string { return filepath.Join(c.DataDir, "restore") }

// applyBuiltinDefaults enables the built-in plugins that the operator did
// not list (unless plugins.disable_builtins is set), with settings that are
// safe on a fresh data folder: backup mirrors DataDir/inbox into
// /Backup/inbox and is granted only those folders (plus DataDir/restore to
// restore into), archive has no rules, cleanup only reports (dry run). An
// operator entry for a built-in replaces its default entirely.
func (c *Config) applyBuiltinDefaults() {
	if c.Plugins.DisableBuiltins {
		return
	}
	if c.Plugins.Enabled == nil {
		c.Plugins.Enabled = map[string]PluginConfig{}
	}
	defaults := map[string]PluginConfig{
		"backup": {
			Config: map[string]any{"source": c.InboxDir(), "target": "/Backup/inbox"},
			// Only what this default needs: the inbox, restores under
			// DataDir/restore, and the drive's /Backup folder.
			Grants: map[string]any{
				"functions": []any{"drive.read", "drive.write", "drive.delete", "local", "kv", "emit"},
				"drive":     map[string]any{"read": []any{"/Backup"}, "write": []any{"/Backup"}, "delete": []any{"/Backup"}},
				"local":     map[string]any{"read": []any{c.InboxDir()}, "write": []any{c.RestoreDir()}},
				"emit":      []any{"backup.>"},
			},
		},
		"archive": {},
		"cleanup": {Config: map[string]any{"dry_run": true}},
	}
	for _, name := range BuiltinPlugins {
		if _, listed := c.Plugins.Enabled[name]; !listed {
			c.Plugins.Enabled[name] = defaults[name]
		}
	}
}
