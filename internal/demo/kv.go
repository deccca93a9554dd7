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
	"strconv"
	"strings"
	"sync"

	"github.com/wasmdrive/wasmdrive/internal/private"
	"github.com/wasmdrive/wasmdrive/runner"
)

// FileKV is a plugin KV kept in one folder (a file per key, named by the
// key's hash and holding the key and its revision on its first lines), so
// a second process sees what a killed one wrote. It is a real store, not a
// mock: it passes the KV contract suite (runner/contract/kvtest), revisions
// and compare-and-set included. Revisions come from the folder's seq file.
type FileKV struct {
	mu  sync.Mutex
	dir string
}

// kvExt names the files of the current format (key, revision, value);
// a file without it is an older one (key, value), read as revision 1.
const kvExt = ".kv"

func (k *FileKV) legacy(key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(k.dir, hex.EncodeToString(h[:16]))
}

func (k *FileKV) file(key string) string { return k.legacy(key) + kvExt }

func (k *FileKV) read(p string) (key string, rev uint64, value []byte, err error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", 0, nil, err
	}
	kb, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return "", 0, nil, fmt.Errorf("kv file %s is corrupt", p)
	}
	if !strings.HasSuffix(p, kvExt) {
		return string(kb), 1, rest, nil
	}
	rb, v, ok := bytes.Cut(rest, []byte{'\n'})
	if rev, err = strconv.ParseUint(string(rb), 10, 64); !ok || err != nil {
		return "", 0, nil, fmt.Errorf("kv file %s is corrupt", p)
	}
	return string(kb), rev, v, nil
}

// lookup finds key in either format (found false: absent).
func (k *FileKV) lookup(key string) (rev uint64, value []byte, found bool, err error) {
	for _, p := range []string{k.file(key), k.legacy(key)} {
		_, rev, value, err = k.read(p)
		if err == nil {
			return rev, value, true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return 0, nil, false, err
		}
	}
	return 0, nil, false, nil
}

// nextRev takes the folder's next revision (above 1, the older format's).
func (k *FileKV) nextRev() (uint64, error) {
	p := filepath.Join(k.dir, "seq")
	last := uint64(1)
	if b, err := os.ReadFile(p); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n > last {
			last = n
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	last++
	if err := private.WriteFile(p+".tmp", []byte(strconv.FormatUint(last, 10))); err != nil {
		return 0, err
	}
	return last, os.Rename(p+".tmp", p)
}

// Get implements runner.KV.
func (k *FileKV) Get(ctx context.Context, key string) (runner.KVEntry, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	rev, v, found, err := k.lookup(key)
	if err != nil {
		return runner.KVEntry{}, err
	}
	if !found {
		return runner.KVEntry{}, runner.ErrKVNotFound
	}
	return runner.KVEntry{Key: key, Value: v, Revision: rev}, nil
}

// Put implements runner.KV; expect is a compare-and-set (0: the key must
// not exist), failing with runner.ErrKVConflict.
func (k *FileKV) Put(ctx context.Context, key string, v []byte, expect *uint64) (uint64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := private.MkdirAll(k.dir); err != nil {
		return 0, err
	}
	cur, _, _, err := k.lookup(key)
	if err != nil {
		return 0, err
	}
	if expect != nil && *expect != cur {
		return 0, fmt.Errorf("kv %q: revision is %d, not %d: %w", key, cur, *expect, runner.ErrKVConflict)
	}
	rev, err := k.nextRev()
	if err != nil {
		return 0, err
	}
	tmp := k.file(key) + ".tmp"
	data := append([]byte(key+"\n"+strconv.FormatUint(rev, 10)+"\n"), v...)
	if err := private.WriteFile(tmp, data); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, k.file(key)); err != nil {
		return 0, err
	}
	if err := os.Remove(k.legacy(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	return rev, nil
}

// Delete implements runner.KV.
func (k *FileKV) Delete(ctx context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range []string{k.file(key), k.legacy(key)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
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
		if strings.HasSuffix(e.Name(), ".tmp") || e.Name() == "seq" {
			continue
		}
		key, _, _, err := k.read(filepath.Join(k.dir, e.Name()))
		if err == nil && strings.HasPrefix(key, prefix) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out, nil
}

// NewFileKV returns the KV kept in dir (created on the first Put).
func NewFileKV(dir string) *FileKV { return &FileKV{dir: dir} }
