package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/wasmdrive/wasmdrive/internal/private"
	"github.com/wasmdrive/wasmdrive/runner"
)

// FileKV is a plugin KV kept in one folder (a file per key, named by the
// key's hash and holding the key on its first line), so a second process
// sees what a killed one wrote. It is a real store, not a mock.
type FileKV struct {
	mu  sync.Mutex
	dir string
}

func (k *FileKV) file(key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(k.dir, hex.EncodeToString(h[:16]))
}

func (k *FileKV) read(p string) (key string, value []byte, err error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", nil, err
	}
	kb, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return "", nil, fmt.Errorf("kv file %s is corrupt", p)
	}
	return string(kb), rest, nil
}

// Get implements runner.KV.
func (k *FileKV) Get(ctx context.Context, key string) (runner.KVEntry, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, v, err := k.read(k.file(key))
	if errors.Is(err, fs.ErrNotExist) {
		return runner.KVEntry{}, runner.ErrKVNotFound
	}
	if err != nil {
		return runner.KVEntry{}, err
	}
	return runner.KVEntry{Key: key, Value: v, Revision: 1}, nil
}

// Put implements runner.KV (revisions are not tracked: every put is 1).
func (k *FileKV) Put(ctx context.Context, key string, v []byte, expect *uint64) (uint64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := private.MkdirAll(k.dir); err != nil {
		return 0, err
	}
	tmp := k.file(key) + ".tmp"
	data := append(append([]byte(key), '\n'), v...)
	if err := private.WriteFile(tmp, data); err != nil {
		return 0, err
	}
	return 1, os.Rename(tmp, k.file(key))
}

// Delete implements runner.KV.
func (k *FileKV) Delete(ctx context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	err := os.Remove(k.file(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// List implements runner.KV.
func (k *FileKV) List(ctx context.Context, prefix string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ents, err := os.ReadDir(k.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		key, _, err := k.read(filepath.Join(k.dir, e.Name()))
		if err == nil && strings.HasPrefix(key, prefix) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out, nil
}

// NewFileKV returns the KV kept in dir (created on the first Put).
func NewFileKV(dir string) *FileKV { return &FileKV{dir: dir} }
