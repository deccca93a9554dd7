// Package pluginconf loads a built-in plugin's settings: the operator's
// config with the run's input laid over it key by key, except the keys
// that name where the plugin's own output goes.
package pluginconf

import (
	"encoding/json"
	"fmt"
	"slices"
)

// OutputKeys are the config keys of the built-in plugins that name output
// subjects; only the operator's config sets them.
var OutputKeys = []string{"subject"}

// Merge decodes config, then replaces each top-level key that input sets,
// into dst. A key given in the input replaces the config's value whole (a
// list of rules in the input is not merged element by element into the
// configured list, as decoding the input over the config would do).
//
// The keys that name a plugin's output subjects (OutputKeys) are never
// taken from the input: an event's own "subject" field (a subject
// trigger's input is the event) must not redirect the run's summary onto
// the subject that triggered it, which would make a run that triggers
// itself forever.
func Merge(config, input []byte, dst any) error {
	merged := map[string]json.RawMessage{}
	if len(config) > 0 && string(config) != "null" {
		if err := json.Unmarshal(config, &merged); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	if len(input) > 0 && string(input) != "null" {
		var over map[string]json.RawMessage
		if err := json.Unmarshal(input, &over); err != nil {
			return fmt.Errorf("input must be a JSON object of config keys: %w", err)
		}
		for k, v := range over {
			if !slices.Contains(OutputKeys, k) {
				merged[k] = v
			}
		}
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return fmt.Errorf("merge config: %w", err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
