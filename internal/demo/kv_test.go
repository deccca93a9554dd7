package demo

import (
	"testing"

	"github.com/wasmdrive/wasmdrive/runner/contract"
	"github.com/wasmdrive/wasmdrive/runner/contract/kvtest"
)

// TestFileKVContract runs the KV contract suite over the demo's folder
// store, which the demo and the end-to-end tests run plugins with: it
// must honour compare-and-set like the JetStream store serve uses.
func TestFileKVContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) contract.KV { return NewFileKV(t.TempDir()) })
}
