package aliyun

import (
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/drivetest"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

// TestContract runs the drive contract suite against the client talking to
// drive/local's HTTP server (OAuth, pre-signed part URLs, faults and all).
func TestContract(t *testing.T) {
	drivetest.Run(t, func(t *testing.T) drivetest.Harness {
		// The server grants parallel upload, so parallel parts are exercised
		// (TestAgainstLocalServer covers in-order parts).
		c, ts := newLocalClient(t, local.ServerOptions{ParallelUpload: true}, func(o *Options) {
			o.MaxAttempts = 8
			o.BackoffBase, o.BackoffMax = time.Millisecond, 10*time.Millisecond
			o.PartConcurrency = 4
		})
		return drivetest.Harness{
			Drive:     c,
			BodyBytes: ts.Server.BodyBytes,
			SetFaults: func(t *testing.T, spec string) {
				fs, seed, err := local.ParseFaults(spec)
				if err != nil {
					t.Fatalf("fault spec %q: %v", spec, err)
				}
				ts.Server.SetFaults(fs, seed)
			},
		}
	})
}

// TestContractBatchEndpoint runs the suite again with Batch chunks sent to
// drive/local's batch extension instead of single calls.
func TestContractBatchEndpoint(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("the suite already ran against single calls; -short and -race skip the batch-endpoint rerun")
	}
	drivetest.Run(t, func(t *testing.T) drivetest.Harness {
		c, ts := newLocalClient(t, local.ServerOptions{}, func(o *Options) {
			o.UseBatchEndpoint = true
			o.MaxAttempts = 8
			o.BackoffBase, o.BackoffMax = time.Millisecond, 10*time.Millisecond
		})
		return drivetest.Harness{Drive: c, BodyBytes: ts.Server.BodyBytes}
	})
}
