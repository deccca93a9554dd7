package hostfuncs

import (
	"testing"

	extism "github.com/extism/go-sdk"
)

// TestFastPathActive checks that the Go sdk's calls take the fast path
// (abi.FnCall) with this extism version, including an answer larger than
// the sdk's buffer. If it fails after an extism upgrade, guestMemory's
// layout assumption broke: plugins still work, through the slower path.
func TestFastPathActive(t *testing.T) {
	if !layoutOK {
		t.Fatal("extism.Module is no longer a single api.Module field; update fastpath.go")
	}
	f, in := allPlugin(t)
	p := in["_plugin"].(*extism.Plugin)
	var same bool
	f.call(t, p, "kv_big", nil, &same)
	if !same {
		t.Error("a 100 KiB KV value did not round-trip")
	}
	if f.env.guest == nil {
		t.Error("the plugin's calls did not use the fast path")
	}
}
