package runner

import (
	"context"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
)

func TestHostCloseTwice(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Plugins.Dirs = []string{t.TempDir()}
	cfg.Plugins.DisableBuiltins = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h, err := New(context.Background(), Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil { // must not panic on the closed watcher channel
		t.Fatal(err)
	}
}
