package hostfuncs

import (
	"encoding/json"
	"testing"

	extism "github.com/extism/go-sdk"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// probeCall is one host call the probe plugin makes.
type probeCall struct {
	Fn  string `json:"fn"`
	Req any    `json:"req,omitempty"`
}

// probe is the probe test plugin (testdata/plugins/probe) bound to a
// fixture: each call runs in a real wasip1 plugin through wd_call.
type probe struct {
	*fixture
	p *extism.Plugin
}

func newProbe(t testing.TB, g Grant) *probe {
	t.Helper()
	return &probe{fixture: newFixture(t, g), p: newPlugin(t, buildPlugin(t, "probe"), pluginOpts{})}
}

// do makes the calls in the plugin and returns their envelopes.
func (p *probe) do(t testing.TB, calls ...probeCall) []abi.Envelope {
	t.Helper()
	var out []abi.Envelope
	p.call(t, p.p, "calls", calls, &out)
	if len(out) != len(calls) {
		t.Fatalf("probe: %d envelopes for %d calls", len(out), len(calls))
	}
	return out
}

// one makes one call and returns its envelope.
func (p *probe) one(t testing.TB, fn string, req any) abi.Envelope {
	t.Helper()
	return p.do(t, probeCall{Fn: fn, Req: req})[0]
}

// result decodes an envelope's result into v, failing the test on an error.
func result(t testing.TB, e abi.Envelope, v any) {
	t.Helper()
	if !e.OK {
		t.Fatalf("call failed: %+v", e.Error)
	}
	if err := json.Unmarshal(e.Result, v); err != nil {
		t.Fatalf("result %s: %v", e.Result, err)
	}
}

// mustJSON encodes v.
func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
