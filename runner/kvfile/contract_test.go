package kvfile

import (
	"path/filepath"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner/contract"
	"github.com/wasmdrive/wasmdrive/runner/contract/kvtest"
)

// TestContract runs the KV contract suite over the SQLite file store.
func TestContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) contract.KV { return open(t, filepath.Join(t.TempDir(), "kv.db")) })
}
