package runner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestCallKeepsErrorClass: the class of a failure survives the plugin
// boundary. An entry that returns a host function's permission_denied (as
// the SDK sets it: a JSON abi.Error) fails with that code and is not
// retryable; a transient code stays retryable; an unknown entry is a
// permanent not_found; a plugin's plain error text has no class (the
// queue's policy retries it as before).
func TestCallKeepsErrorClass(t *testing.T) {
	h := echoHost(t)
	tests := []struct {
		name, entry, input string
		code               string // "" : no class
		retryable          bool
		text               string
	}{
		{"permission denied", "failtext", `{"code":"permission_denied","message":"get /x: wd_drive_get: permission_denied: drive.read:/x not granted"}`,
			abi.CodePermissionDenied, false, "drive.read:/x not granted"},
		{"invalid argument", "failtext", `{"code":"invalid_argument","message":"bad path"}`, abi.CodeInvalidArgument, false, "bad path"},
		{"unavailable", "failtext", `{"code":"unavailable","message":"drive down","retryable":true}`, abi.CodeUnavailable, true, "drive down"},
		{"rate limited", "failtext", `{"code":"rate_limited","message":"slow down","retryable":true}`, abi.CodeRateLimited, true, "slow down"},
		{"unknown code is text", "failtext", `{"code":"nosuch","message":"m"}`, "", true, `{"code":"nosuch"`},
		{"plain text", "fail", "why", "", true, "failed on purpose: why"},
		{"unknown entry", "nosuch", "", abi.CodeNotFound, false, `no entry point "nosuch"`},
		{"input too big", "echo", strings.Repeat("x", 65536+1), abi.CodeInvalidArgument, false, "limits.max_input_bytes"},
		{"output too big", "big", "65537", abi.CodeQuotaExceeded, false, "limits.max_output_bytes"},
		{"unknown plugin", "", "", abi.CodeNotFound, false, `unknown plugin "nosuch"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plugin := "echo"
			if tc.name == "unknown plugin" {
				plugin = "nosuch"
			}
			_, err := h.Call(context.Background(), CallRequest{Plugin: plugin, Entry: tc.entry, Input: []byte(tc.input)}, &memSink{})
			if err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want one containing %q", err, tc.text)
			}
			if got := CodeOf(err); got != tc.code {
				t.Fatalf("CodeOf(%v) = %q, want %q", err, got, tc.code)
			}
			var r interface{ Retryable() bool }
			if got := !errors.As(err, &r) || r.Retryable(); got != tc.retryable {
				t.Fatalf("retryable(%v) = %v, want %v", err, got, tc.retryable)
			}
			if strings.HasPrefix(tc.entry, "fail") && tc.code != "" && !errors.Is(err, ErrPluginFailed) {
				t.Fatalf("a plugin's failure does not match ErrPluginFailed: %v", err)
			}
			if tc.entry == "nosuch" && !errors.Is(err, ErrUnknownEntry) {
				t.Fatalf("an unknown entry does not match ErrUnknownEntry: %v", err)
			}
		})
	}
}
