package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/wasmdrive/wasmdrive/internal/redact"
	"strings"

	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Inspection is everything known about a loaded plugin, for
// `wasmdrive plugin inspect`.
type Inspection struct {
	Name     string          `json:"name"`
	Dir      string          `json:"dir"`
	Enabled  bool            `json:"enabled"`
	Error    string          `json:"error,omitempty"` // the last load error
	Manifest *Manifest       `json:"manifest,omitempty"`
	Wasm     string          `json:"wasm,omitempty"`   // module file used
	SHA256   string          `json:"sha256,omitempty"` // of the module
	Exports  []string        `json:"exports,omitempty"`
	Imports  []string        `json:"imports,omitempty"` // host functions the module imports
	Grant    *Grant          `json:"effective_grant,omitempty"`
	Config   json.RawMessage `json:"config,omitempty"` // what the plugin gets
	Account  string          `json:"account,omitempty"`
	// Warnings name the risky parts of the effective grant.
	Warnings []string `json:"warnings,omitempty"`
	// Interrupt says how a runaway call is stopped: "ticks" (the module
	// imports wd_call and gets loop-header ticks) or "wazero" (wazero's
	// check at every loop iteration, several times slower in loops).
	Interrupt string `json:"interrupt,omitempty"`
}

// Inspect describes one plugin by name.
func (h *Host) Inspect(name string) (*Inspection, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	e := h.plugins[name]
	if e == nil {
		return nil, fmt.Errorf("%w %q (have: %s)", ErrUnknownPlugin, name, h.namesLocked())
	}
	in := &Inspection{Name: e.name, Dir: e.dir, Enabled: h.enabled(e)}
	if e.err != nil {
		in.Error = e.err.Error()
	}
	if v := e.cur; v != nil {
		g := v.grant
		in.Manifest, in.Wasm, in.SHA256, in.Grant, in.Account = v.man, v.wasmPath, v.hash, &g, v.account
		in.Config = redact.JSON(v.config, v.man.SecretKeys()...)
		in.Exports, in.Imports = v.module.Exports, v.module.Imports
		in.Interrupt = v.interrupt()
		in.Warnings = GrantWarnings(g)
	}
	return in, nil
}

// interrupt names how the version's calls are stopped ("" before it is
// compiled).
func (v *version) interrupt() string {
	switch {
	case v.pool == nil || v.pool.comp == nil:
		return ""
	case v.pool.comp.ticks:
		return "ticks"
	}
	return "wazero"
}

// GrantWarnings names what an effective grant lets a plugin do beyond the
// checked host functions, one sentence each.
func GrantWarnings(g Grant) []string {
	var out []string
	if g.AllowsFunction(abi.FnDriveRequest) {
		out = append(out, "the grant includes the raw drive request (drive.request): the plugin calls Open API endpoints directly; "+
			"the host allows only the endpoints whose file and path arguments it checks against the drive grant, "+
			"but grant it only to plugins you trust")
	}
	for _, e := range g.Emit {
		var areas []string
		for _, a := range namespace.Reserved() {
			if namespace.Overlaps(e, a.Pattern) {
				areas = append(areas, a.Pattern)
			}
		}
		if len(areas) > 0 {
			out = append(out, fmt.Sprintf("the emit grant %q also covers reserved subjects (%s): the host refuses and audits every publish there, "+
				"and the plugin may publish on every other application subject, including other plugins' triggers; grant only its own subjects, such as app.<name>.>",
				e, strings.Join(areas, ", ")))
		}
	}
	return out
}

// Names lists the loaded plugins' names, sorted.
func (h *Host) Names() []string {
	pis, _ := h.Plugins(context.Background())
	out := make([]string, len(pis))
	for i, p := range pis {
		out[i] = p.Name
	}
	return out
}
