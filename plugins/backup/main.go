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

	"github.com/wasmdrive/wasmdrive/plugins/internal/pluginconf"
	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

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
