package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestFailureTextKeepsHostCode: an entry's error that wraps a host error
// reaches the host as a JSON abi.Error with that error's code (so the
// host can tell permission_denied from a transient failure); any other
// error is its plain text.
func TestFailureTextKeepsHostCode(t *testing.T) {
	denied := &Error{Func: abi.FnDriveGet, Code: abi.CodePermissionDenied, Message: "drive.read:/x not granted"}
	busy := &Error{Func: abi.FnDriveList, Code: abi.CodeUnavailable, Message: "drive down", Retryable: true}
	for _, tc := range []struct {
		name string
		err  error
		want *abi.Error // nil: plain text
	}{
		{"host error", denied, &abi.Error{Code: abi.CodePermissionDenied, Message: denied.Error()}},
		{"wrapped", fmt.Errorf("get /x: %w", denied), &abi.Error{Code: abi.CodePermissionDenied, Message: "get /x: " + denied.Error()}},
		{"retryable", fmt.Errorf("list: %w", busy), &abi.Error{Code: abi.CodeUnavailable, Message: "list: " + busy.Error(), Retryable: true}},
		{"plain", errors.New("bad config: name is required"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := failureText(tc.err)
			if tc.want == nil {
				if got != tc.err.Error() {
					t.Fatalf("failureText = %q, want the plain text %q", got, tc.err.Error())
				}
				return
			}
			var e abi.Error
			if err := json.Unmarshal([]byte(got), &e); err != nil || e != *tc.want {
				t.Fatalf("failureText = %s (%v), want %+v", got, err, *tc.want)
			}
		})
	}
}
