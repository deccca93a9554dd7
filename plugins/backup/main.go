// Command backup is wasmdrive's built-in backup plugin: an incremental,
// manifest-based mirror of a local folder into a drive folder, with
// restore (latest or a point in time) and verify. See README.md.
//
// The entry points (exports.go) are built for GOOS=wasip1; the logic in the
// other files also builds natively so it is unit tested.
package main

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/wasmdrive/wasmdrive/plugins/internal/pluginconf"
	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

// memoryLimit is under the 256 MiB of plugin.yaml's memory_pages (4096;
// a 100,000-file manifest is about 10 MB encoded and 30 MB decoded, and
// Go's Wasm heap neither compacts nor shrinks):
// the collector then runs only when the heap nears it. Every allocation
// and collection loop is dear in Wasm under the runner's interruptible
// mode, and a run's garbage (listing pages, JSON answers) is large but
// short-lived.
const memoryLimit = 192 << 20

func init() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(memoryLimit)
}

// loadSettings reads the config, lets the input override its keys, and
// validates it.
func loadSettings(ctx sdk.Ctx) (*settings, error) {
	var raw json.RawMessage
	if err := sdk.ReadConfig(&raw); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var c Config
	if err := pluginconf.Merge(raw, ctx.Input(), &c); err != nil {
		return nil, err
	}
	return c.compile()
}
