package local

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// accessJWT mints an access token shaped like the real service's: a JWT
// whose payload carries sub (the user id), iat, exp and a random jti.
// Clients decode it: alist's aliyundrive_open util.go getSub reads sub to
// check a refresh kept the same user, with base64.RawStdEncoding, so the
// payload is chosen to read the same under the standard and the URL
// alphabets. The signature is random: the server checks the token by its
// stored hash, not by the signature.
func accessJWT(sub string, ttl time.Duration) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	now := time.Now()
	var payload string
	for {
		b, _ := json.Marshal(map[string]any{"sub": sub, "iat": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": randomToken(16)})
		payload = base64.RawURLEncoding.EncodeToString(b)
		if !strings.ContainsAny(payload, "-_") {
			break
		}
	}
	sig := make([]byte, 32)
	rand.Read(sig)
	return header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(sig)
}
