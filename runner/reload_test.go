package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/runner/build"
)

// buildEchoVersions builds the echo plugin twice: as is ("v1") and with its
// version constant changed ("v2"), and returns both modules.
func buildEchoVersions(t *testing.T) (v1, v2 []byte) {
	t.Helper()
	needGo(t)
	b := &build.Builder{CacheDir: filepath.Join(sharedData, "cache", "build")}
	ctx := context.Background()
	r1, err := b.Build(ctx, echoDir)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(echoDir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	// A fixed folder inside the module, so the v2 build is cached across runs.
	dir := filepath.Join("testdata", "plugins", "echo-v2.tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.Replace(string(src), `"v1"`, `"v2"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r2, err := b.Build(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if v1, err = os.ReadFile(r1.Path); err != nil {
		t.Fatal(err)
	}
	if v2, err = os.ReadFile(r2.Path); err != nil {
		t.Fatal(err)
	}
	return v1, v2
}

// writePlugin writes a prebuilt plugin folder named name.
func writePlugin(t *testing.T, dir, name string, wasm []byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	man := "name: " + name + "\nversion: 1.0.0\nwasm: plugin.wasm\nexports: [version, echo]\nlimits: {timeout: 5s}\n"
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(man), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, ".plugin.wasm.tmp")
	if err := os.WriteFile(tmp, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "plugin.wasm")); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds (the watcher runs every 20 ms); the
// deadline only guards against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func callVersion(t *testing.T, h *Host, plugin string) string {
	t.Helper()
	res, err := h.Call(context.Background(), CallRequest{Plugin: plugin, Entry: "version"}, &memSink{})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Output)
}

func TestHotReload(t *testing.T) {
	v1wasm, v2wasm := buildEchoVersions(t)
	root := t.TempDir()
	hot := filepath.Join(root, "hot")
	writePlugin(t, hot, "hot", v1wasm)
	changes := make(chan string, 16)
	h := newTestHost(t, Options{WatchInterval: 20 * time.Millisecond, OnChange: func(p string) {
		select {
		case changes <- p:
		default:
		}
	}}, root)
	if got := callVersion(t, h, "hot"); got != `"v1"` {
		t.Fatalf("version = %s", got)
	}

	// A call in flight on v1 holds its instance across the swap.
	old, err := h.current("hot")
	if err != nil {
		t.Fatal(err)
	}
	inflight, err := old.pool.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	writePlugin(t, hot, "hot", v2wasm)
	sum := sha256.Sum256(v2wasm)
	v2hash := hex.EncodeToString(sum[:])
	waitFor(t, "the new version", func() bool { v, err := h.current("hot"); return err == nil && v.hash == v2hash })
	if got := callVersion(t, h, "hot"); got != `"v2"` {
		t.Fatalf("new runs use %s, want v2", got)
	}
	_, out, err := inflight.p.CallWithContext(context.Background(), "version", nil)
	if err != nil || string(out) != "v1" {
		t.Fatalf("in-flight call on the old version = %q, %v", out, err)
	}
	h.comp.mu.Lock()
	_, oldLive := h.comp.mods[old.pool.comp.key]
	h.comp.mu.Unlock()
	if !oldLive {
		t.Fatal("the old module was closed while a call still used it")
	}
	old.pool.put(inflight, false)
	h.comp.mu.Lock()
	_, oldLive = h.comp.mods[old.pool.comp.key]
	h.comp.mu.Unlock()
	if oldLive {
		t.Fatal("the old module was not released after its last call")
	}

	// A new folder is picked up, a removed one dropped.
	writePlugin(t, filepath.Join(root, "fresh"), "fresh", v1wasm)
	waitFor(t, "the new plugin", func() bool { pi, err := h.Plugin("fresh"); return err == nil && pi.Hash != "" })
	if got := callVersion(t, h, "fresh"); got != `"v1"` {
		t.Fatalf("fresh version = %s", got)
	}
	os.RemoveAll(filepath.Join(root, "fresh"))
	waitFor(t, "the removed plugin to go", func() bool { _, err := h.Plugin("fresh"); return err != nil })
	if len(changes) == 0 {
		t.Fatal("OnChange was never called")
	}
}

func TestReloadKeepsLastGoodVersion(t *testing.T) {
	v1wasm, _ := buildEchoVersions(t)
	root := t.TempDir()
	dir := filepath.Join(root, "keep")
	writePlugin(t, dir, "keep", v1wasm)
	h := newTestHost(t, Options{NoPrewarm: true}, root)
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte("name: keep\nversion: 2\nexports: [version]\nbogus: 1\n"), 0o644)
	h.rescan(context.Background())
	pi, err := h.Plugin("keep")
	if err != nil || !strings.Contains(pi.Error, `unknown key "bogus"`) || pi.Version != "1.0.0" {
		t.Fatalf("info = %+v, %v", pi, err)
	}
	if got := callVersion(t, h, "keep"); got != `"v1"` {
		t.Fatalf("version = %s; the last good version should keep serving", got)
	}
}
