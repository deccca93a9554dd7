package runner

import (
	"context"
	"fmt"

	"github.com/wasmdrive/wasmdrive/config"
)

// ManifestCatalog describes the plugins of a configuration from their
// manifests alone, without building or loading them: what a command that
// queues a run knows when no node answers (wasmdrive trigger before serve
// started), so a mistyped plugin or entry name is refused before it is
// queued. Only Name, Version, Description, Dir, Exports and MaxInputBytes
// are set.
type ManifestCatalog struct {
	Config  *config.Config
	DataDir string // default Config.DataDir
}

// Plugins reads every plugin.yaml under the configured plugin folders. A
// folder that cannot be read, or built-in plugins that cannot be found,
// is an error: the list would be incomplete.
func (c ManifestCatalog) Plugins(context.Context) ([]PluginInfo, error) {
	data := c.DataDir
	if data == "" {
		data = c.Config.DataDir
	}
	dirs, err := pluginDirs(c.Config, data)
	if err != nil {
		return nil, fmt.Errorf("built-in plugins: %w", err)
	}
	var out []PluginInfo
	for _, dir := range findPluginDirs(dirs) {
		m, err := LoadManifest(dir)
		if err != nil {
			return nil, err
		}
		out = append(out, PluginInfo{Name: m.Name, Version: m.Version, Description: m.Description, Dir: dir, Exports: m.ExportNames(), MaxInputBytes: m.Limits.MaxInputBytes})
	}
	return out, nil
}
