package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestDriveServeBeyondLoopbackNeedsFlag: `drive serve` on an address other
// machines can reach is refused without --allow-remote, and the message
// names the flag and says why (issue 11, finding 9's listener part). It
// fails before listening, so nothing is exposed.
func TestDriveServeBeyondLoopbackNeedsFlag(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0"} {
		t.Run(addr, func(t *testing.T) {
			var out, errOut syncBuffer
			env := &cliEnv{Stdout: &out, Stderr: &errOut}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- runDriveServe(ctx, env, []string{"--dir", t.TempDir(), "--addr", addr}) }()
			var err error
			for waiting := true; waiting; {
				select {
				case err = <-done:
					waiting = false
				case <-time.After(10 * time.Millisecond):
					if strings.Contains(out.String(), "serving") {
						cancel()
						<-done
						t.Fatalf("drive serve --addr %s started without --allow-remote:\n%s", addr, out.String())
					}
				}
			}
			if err == nil {
				t.Fatalf("drive serve --addr %s returned no error", addr)
			}
			if !strings.Contains(err.Error(), "--allow-remote") || !strings.Contains(err.Error(), "not a loopback") {
				t.Fatalf("err = %v, want it to name --allow-remote", err)
			}
			if strings.Contains(out.String(), "client_secret") {
				t.Fatalf("credentials printed although refused:\n%s", out.String())
			}
		})
	}
}

func TestCheckDriveServeAddr(t *testing.T) {
	tests := []struct {
		addr          string
		allow         bool
		remote, isErr bool
	}{
		{"127.0.0.1:8378", false, false, false},
		{"localhost:0", false, false, false},
		{"[::1]:0", false, false, false},
		{"0.0.0.0:0", false, true, true},
		{"0.0.0.0:0", true, true, false},
		{":8378", true, true, false},
		{"nope", true, false, true},
	}
	for _, tt := range tests {
		remote, err := checkDriveServeAddr(tt.addr, tt.allow)
		if remote != tt.remote || (err != nil) != tt.isErr {
			t.Errorf("checkDriveServeAddr(%q, %v) = %v, %v; want remote %v, error %v", tt.addr, tt.allow, remote, err, tt.remote, tt.isErr)
		}
	}
}
