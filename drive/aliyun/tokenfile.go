package aliyun

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Token is the persisted OAuth state of one account. The token file holds
// exactly this, as JSON, with mode 0600.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// String hides the credentials, so a Token printed by mistake leaks nothing.
func (t Token) String() string {
	return fmt.Sprintf("aliyun.Token{expiry: %s}", t.Expiry.Format(time.RFC3339))
}

// GoString hides the credentials from %#v.
func (t Token) GoString() string { return t.String() }

// ErrNoToken says the account has no token file yet: run `wasmdrive login`.
var ErrNoToken = errors.New("no OAuth token saved")

// LoadToken reads a token file. A missing file returns an error wrapping
// ErrNoToken.
func LoadToken(path string) (Token, error) {
	var t Token
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return t, fmt.Errorf("token file %s: %w", path, ErrNoToken)
	}
	if err != nil {
		return t, fmt.Errorf("read token file: %w", err)
	}
	if err := json.Unmarshal(b, &t); err != nil {
		// The error text of encoding/json may quote the input; do not wrap it.
		return Token{}, fmt.Errorf("token file %s is not valid JSON; run login again", path)
	}
	if t.RefreshToken == "" && t.AccessToken == "" {
		return Token{}, fmt.Errorf("token file %s holds no token: %w", path, ErrNoToken)
	}
	return t, nil
}

// SaveToken writes t to path atomically: a temporary file in the same
// folder, mode 0600, fsynced, then renamed over path, then the folder is
// fsynced. A crash leaves either the old or the new token, never a torn
// file, which matters because refresh tokens are single-use.
func SaveToken(path string, t Token) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
