package local

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// TestAccessTokenIsJWTWithSub: access tokens are JWTs whose sub is the
// user id and stays the same across a refresh (alist aliyundrive_open
// util.go getSub decodes the payload with base64.RawStdEncoding).
func TestAccessTokenIsJWTWithSub(t *testing.T) {
	c := newRaw(t, ServerOptions{})
	var di drive.DriveInfo
	c.call(openapi.PathDriveInfo, struct{}{}, &di)
	sub := func(tok string) string {
		seg := strings.Split(tok, ".")
		if len(seg) != 3 {
			t.Fatalf("access token %q has %d segments, want 3 (a JWT)", tok, len(seg))
		}
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			b, err := enc.DecodeString(seg[1])
			var p struct {
				Sub string `json:"sub"`
				Exp int64  `json:"exp"`
			}
			if err != nil || json.Unmarshal(b, &p) != nil || p.Exp == 0 {
				t.Fatalf("payload of %q: %v %s", tok, err, b)
			}
			if enc == base64.RawURLEncoding {
				return p.Sub
			}
		}
		return ""
	}
	first := sub(c.token)
	if first == "" || first != di.UserID {
		t.Fatalf("sub %q, want the user id %q", first, di.UserID)
	}
	var tr openapi.TokenResponse
	ts := c.ts
	id, secret, refresh, err := ts.Drive.NewClientCredentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c.call(openapi.PathAccessToken, openapi.AccessTokenRequest{ClientID: id, ClientSecret: secret, GrantType: openapi.GrantRefreshToken, RefreshToken: refresh}, &tr)
	c.call(openapi.PathAccessToken, openapi.AccessTokenRequest{ClientID: id, ClientSecret: secret, GrantType: openapi.GrantRefreshToken, RefreshToken: tr.RefreshToken}, &tr)
	if s := sub(tr.AccessToken); s != first {
		t.Fatalf("after a refresh sub is %q, was %q", s, first)
	}
}
