package main

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/sdk"
)

// kvAdapter stores the manifest in the plugin's KV through the sdk.
type kvAdapter struct{}

// kvTime accumulates the time spent in KV host calls (a phase of the summary).
var kvTime time.Duration

func (kvAdapter) Get(key string) ([]byte, error) {
	t := sdk.Now()
	defer func() { kvTime += sdk.Now().Sub(t) }()
	e, err := sdk.KVGet(key)
	if errors.Is(err, sdk.ErrNotFound) {
		return nil, backupcore.ErrNoKey
	}
	if err != nil {
		return nil, err
	}
	return e.Value, nil
}

func (kvAdapter) Put(key string, v []byte) error {
	return retry(4, func() error { _, err := sdk.KVPut(key, v); return err })
}

func (kvAdapter) Delete(key string) error {
	err := sdk.KVDelete(key)
	if errors.Is(err, sdk.ErrNotFound) {
		return nil
	}
	return err
}

// retry runs f until it succeeds, fails with a non-retryable error, or has
// failed attempts times, sleeping 0.2 s, 0.4 s, 0.8 s... in between.
func retry(attempts int, f func() error) error {
	var err error
	for i := 0; i < attempts; i++ {
		if err = f(); err == nil || !sdk.IsRetryable(err) {
			return err
		}
		if serr := sdk.Sleep(time.Duration(200<<i) * time.Millisecond); serr != nil {
			return err
		}
	}
	return err
}

// dirCache maps drive folders below the target (relative, "/"-rooted) to
// file ids, creating them on first use.
type dirCache struct {
	target string
	ids    map[string]string
}

func newDirCache(target string) *dirCache {
	return &dirCache{target: target, ids: map[string]string{}}
}

func (d *dirCache) id(rel string) (string, error) {
	if id, ok := d.ids[rel]; ok {
		return id, nil
	}
	abs := path.Join(d.target, rel)
	var f *sdk.File
	err := retry(4, func() error {
		var err error
		f, err = sdk.Mkdir(abs)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create drive folder %s: %w", abs, err)
	}
	id := strings.Clone(f.FileID)
	d.ids[rel] = id
	return id, nil
}

// checkKeyFingerprint refuses to mix encrypted and plain content, or two
// keys, in one backup.
func checkKeyFingerprint(s *settings) error {
	want := "none"
	if s.keys != nil {
		want = s.keys.Fingerprint()
		if !*s.EncryptNames {
			want += "/plain-names"
		}
	}
	key := s.kvPrefix() + "key"
	e, err := sdk.KVGet(key)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		_, err := sdk.KVPut(key, []byte(want))
		return err
	case err != nil:
		return fmt.Errorf("read key fingerprint: %w", err)
	case string(e.Value) != want:
		return fmt.Errorf("this backup was made with encryption %q but the config gives %q: use the same key (or a new target)", e.Value, want)
	}
	return nil
}
