package jskv

import (
	"testing"

	"github.com/wasmdrive/wasmdrive/runner/contract"
	"github.com/wasmdrive/wasmdrive/runner/contract/kvtest"
)

// TestContract runs the KV contract suite over the JetStream store.
func TestContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) contract.KV { return open(t) })
}
