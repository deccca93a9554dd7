package runner

import (
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestInspectWarnsOfRawRequest checks that inspect flags a grant of the raw
// drive request, which "*" alone no longer gives.
func TestInspectWarnsOfRawRequest(t *testing.T) {
	h := newTestHost(t, Options{NoPrewarm: true}, "testdata/plugins/rawreq")
	in, err := h.Inspect("rawreq")
	if err != nil || in.Error != "" {
		t.Fatalf("inspect: %+v %v", in, err)
	}
	if len(in.Warnings) != 1 || !strings.Contains(in.Warnings[0], "drive.request") {
		t.Errorf("warnings = %q, want one naming drive.request", in.Warnings)
	}
	star := Grant{Functions: []string{"*"}}
	if w := GrantWarnings(star); len(w) != 0 || star.AllowsFunction(abi.FnDriveRequest) {
		t.Errorf(`"*" grants the raw request (warnings %q)`, w)
	}
}
