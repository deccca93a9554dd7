package hostfuncs

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
)

// The markers of filtered listings (search and share list under a grant
// that does not cover the whole drive) are sealed: the backend's own marker
// names the last file or share of a page, which may be one the plugin must
// not see. A sealed marker is AES-GCM-encrypted with a key of this process
// and bound, as associated data, to the plugin, its grant and the query, so
// it shows nothing and a marker of another plugin, grant or query is
// refused. Markers are valid for the process that issued them.

var markerAEAD = sync.OnceValue(func() cipher.AEAD {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("hostfuncs: no randomness for the marker key: " + err.Error())
	}
	block, _ := aes.NewCipher(key) // cannot fail: a 32-byte key
	aead, _ := cipher.NewGCM(block)
	return aead
})

// pageCursor is where a filtered listing resumes: the backend marker of a
// page ("" for the first) and how many of its items were already consumed.
type pageCursor struct {
	Marker string `json:"m,omitempty"`
	Skip   int    `json:"s,omitempty"`
}

// markerBinding is the associated data of a sealed marker: the listing
// (kind and query), the plugin and its grant.
func (e *Env) markerBinding(kind string, op DriveOp, query ...string) []byte {
	b, _ := json.Marshal([]any{kind, e.Plugin, e.Hash, e.Account, e.Grant.drivePrefixes(op), query})
	return b
}

// sealMarker returns the opaque marker for c, or "" for none.
func sealMarker(c *pageCursor, binding []byte) string {
	if c == nil {
		return ""
	}
	plain, _ := json.Marshal(c)
	aead := markerAEAD()
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("hostfuncs: no randomness for a marker nonce: " + err.Error())
	}
	return "wd1." + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, binding))
}

// openMarker returns the cursor of a sealed marker ("" is the start).
func openMarker(marker string, binding []byte) (pageCursor, error) {
	var c pageCursor
	if marker == "" {
		return c, nil
	}
	refuse := badArg("marker %q is not one this host returned to this plugin for this query: pass the next_marker of the previous page, or none to start over", marker)
	raw, ok := strings.CutPrefix(marker, "wd1.")
	if !ok {
		return c, refuse
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	aead := markerAEAD()
	if err != nil || len(b) < aead.NonceSize() {
		return c, refuse
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], binding)
	if err != nil || json.Unmarshal(plain, &c) != nil || c.Skip < 0 {
		return c, refuse
	}
	return c, nil
}
