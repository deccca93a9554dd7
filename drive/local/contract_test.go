package local

import (
	"testing"

	"github.com/wasmdrive/wasmdrive/drive/drivetest"
)

// TestContract runs the drive contract suite against the drive in process.
func TestContract(t *testing.T) {
	drivetest.Run(t, func(t *testing.T) drivetest.Harness {
		d := openTest(t)
		return drivetest.Harness{Drive: d, BodyBytes: d.PartBytes}
	})
}
