// Package crypt is the backup plugin's client-side encryption: a chunked
// streaming AEAD for file content and deterministic authenticated
// encryption for file names, both under one key taken from the environment.
//
// Content uses XChaCha20-Poly1305 (golang.org/x/crypto/chacha20poly1305) in
// the STREAM construction: the plaintext is cut into 64 KiB segments, each
// sealed with nonce = random 19-byte prefix || 32-bit big-endian counter ||
// last-segment flag, and the 23-byte header as associated data. Reordering,
// dropping, truncating or appending segments, or editing the header, fails
// authentication. Names use SIV with HMAC-SHA256 as the PRF: tag =
// HMAC(name)[:16], ciphertext = AES-256-CTR(iv = tag), out = base64url(tag ||
// ciphertext). Equal names encrypt equally (so the drive tree keeps its
// shape and an unchanged file keeps its name), which reveals only equality.
//
// Where it runs: bulk bytes never cross the Wasm boundary, and the host
// knows nothing about encryption, so the plugin encrypts each file into a
// granted local temp folder with WASI file I/O and asks the host to upload
// that file; restore downloads the ciphertext to a temp file and decrypts it
// into place. The cost is one extra local write and read per file and the
// cipher running in Wasm; the drive never sees plaintext or the key.
package crypt

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// KeySize is the size of a raw key.
const KeySize = 32

// MinPassphrase is the shortest passphrase accepted.
const MinPassphrase = 12

// passSalt is fixed: the same passphrase must give the same key on every
// machine that restores, and a stored salt would need state beside the key.
// scrypt's cost still protects against fast guessing.
const passSalt = "wasmdrive/backup/v1"

// ErrBadKey reports a key string that cannot be used.
var ErrBadKey = errors.New("crypt: bad key")

// Keys are the subkeys derived from one master key.
type Keys struct {
	content [KeySize]byte
	nameEnc [KeySize]byte
	nameMAC [KeySize]byte
	check   [8]byte
}

// ParseKey turns the environment's key string into Keys: "base64:…" or
// "hex:…" for 32 raw bytes, anything else is a passphrase of at least
// MinPassphrase characters stretched with scrypt (N=2^15, r=8, p=1).
func ParseKey(s string) (*Keys, error) {
	var master []byte
	var err error
	switch {
	case strings.HasPrefix(s, "base64:"):
		master, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "base64:"))
	case strings.HasPrefix(s, "hex:"):
		master, err = hex.DecodeString(strings.TrimPrefix(s, "hex:"))
	default:
		if len([]rune(s)) < MinPassphrase {
			return nil, fmt.Errorf("%w: a passphrase needs at least %d characters (or give base64:<32 bytes>)", ErrBadKey, MinPassphrase)
		}
		master, err = scrypt.Key([]byte(s), []byte(passSalt), 1<<15, 8, 1, KeySize)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	if len(master) != KeySize {
		return nil, fmt.Errorf("%w: raw keys are %d bytes, got %d", ErrBadKey, KeySize, len(master))
	}
	return NewKeys(master)
}

// NewKeys derives the subkeys from a 32-byte master key with HKDF-SHA256.
func NewKeys(master []byte) (*Keys, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("%w: want %d bytes, got %d", ErrBadKey, KeySize, len(master))
	}
	k := &Keys{}
	for _, sub := range []struct {
		info string
		dst  []byte
	}{{"content", k.content[:]}, {"name-enc", k.nameEnc[:]}, {"name-mac", k.nameMAC[:]}, {"check", k.check[:]}} {
		b, err := hkdf.Key(sha256.New, master, nil, "wasmdrive backup v1 "+sub.info, len(sub.dst))
		if err != nil {
			return nil, fmt.Errorf("derive %s key: %w", sub.info, err)
		}
		copy(sub.dst, b)
	}
	return k, nil
}

// Fingerprint identifies the key without revealing it (16 hex digits); a
// backup stores it so a restore with another key fails with a clear error.
func (k *Keys) Fingerprint() string { return hex.EncodeToString(k.check[:]) }

func (k *Keys) nameTag(name string) []byte {
	m := hmac.New(sha256.New, k.nameMAC[:])
	m.Write([]byte(name))
	return m.Sum(nil)[:16]
}
