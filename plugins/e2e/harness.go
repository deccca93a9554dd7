package e2e

import (
	"context"
	"os"
	"path/filepath"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/internal/demo"
	"github.com/wasmdrive/wasmdrive/runner"
)

// The harness is package demo's, which the wasmdrive binary ships; these
// names keep the tests (and benchmarks) that use them unchanged.
type (
	// Env is one wasmdrive host with the built-in plugins over a drive.
	Env = demo.Env
	// Sink collects a run's logs and progress.
	Sink = demo.Sink
	// Emitter records emitted events by subject.
	Emitter = demo.Emitter
)

// CacheDir holds the build and compile caches shared by every run and
// kept between runs, so the plugins are built once per source change.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	d = filepath.Join(d, "wasmdrive-test", "e2e-plugins")
	return d, os.MkdirAll(d, 0o755)
}

// NewEnv starts a host whose plugins get the given configs (by plugin
// name), over drive d, with plugin KV in kvDir and caches in CacheDir.
func NewEnv(d drive.Drive, kvDir string, configs map[string]map[string]any) (*Env, error) {
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	return demo.NewEnv(context.Background(), d, demo.EnvOptions{DataDir: cache, KVDir: kvDir, Configs: configs})
}

// FileKV reads and writes the KV folder of an Env (demo.FileKV) from a
// test: &FileKV{dir: kvDir}.
type FileKV struct{ dir string }

func (k *FileKV) store() *demo.FileKV { return demo.NewFileKV(k.dir) }

// Get implements runner.KV.
func (k *FileKV) Get(ctx context.Context, key string) (runner.KVEntry, error) {
	return k.store().Get(ctx, key)
}

// Put implements runner.KV.
func (k *FileKV) Put(ctx context.Context, key string, v []byte, expect *uint64) (uint64, error) {
	return k.store().Put(ctx, key, v, expect)
}

// Delete implements runner.KV.
func (k *FileKV) Delete(ctx context.Context, key string) error { return k.store().Delete(ctx, key) }

// List implements runner.KV.
func (k *FileKV) List(ctx context.Context, prefix string) ([]string, error) {
	return k.store().List(ctx, prefix)
}
