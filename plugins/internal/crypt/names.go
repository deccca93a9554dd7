package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrAuth reports ciphertext (content or name) that fails authentication:
// it was altered, truncated, or made with another key.
var ErrAuth = errors.New("crypt: authentication failed (wrong key or altered data)")

func (k *Keys) ctr(iv []byte) cipher.Stream {
	b, err := aes.NewCipher(k.nameEnc[:])
	if err != nil {
		panic(err) // the key is always 32 bytes
	}
	return cipher.NewCTR(b, iv)
}

// EncryptName encrypts one path segment deterministically.
func (k *Keys) EncryptName(name string) string {
	tag := k.nameTag(name)
	out := make([]byte, 16+len(name))
	copy(out, tag)
	k.ctr(tag).XORKeyStream(out[16:], []byte(name))
	return base64.RawURLEncoding.EncodeToString(out)
}

// DecryptName reverses EncryptName.
func (k *Keys) DecryptName(s string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 16 {
		return "", fmt.Errorf("%w: %q is not an encrypted name", ErrAuth, s)
	}
	name := make([]byte, len(raw)-16)
	k.ctr(raw[:16]).XORKeyStream(name, raw[16:])
	if !hmac.Equal(k.nameTag(string(name)), raw[:16]) {
		return "", fmt.Errorf("%w: name %q", ErrAuth, s)
	}
	return string(name), nil
}

// EncryptPath encrypts every segment of a slash path.
func (k *Keys) EncryptPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s != "" {
			segs[i] = k.EncryptName(s)
		}
	}
	return strings.Join(segs, "/")
}

// DecryptPath decrypts every segment of a slash path.
func (k *Keys) DecryptPath(p string) (string, error) {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s == "" {
			continue
		}
		d, err := k.DecryptName(s)
		if err != nil {
			return "", err
		}
		segs[i] = d
	}
	return strings.Join(segs, "/"), nil
}
