package local

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// Token kinds in oauth_tokens. Tokens are stored as SHA-256 hashes only.
const (
	kindCode    = "code"
	kindRefresh = "refresh"
	kindAccess  = "access"
)

// Lifetimes of OAuth grants (the Open Platform's: code 10 min, refresh 90
// days; an access token from a PKCE exchange without the client secret 30
// days, see publicClientTokens).
const (
	codeTTL      = 10 * time.Minute
	refreshTTL   = 90 * 24 * time.Hour
	publicTTL    = 30 * 24 * time.Hour
	maxRedirects = 20
)

// DefaultRedirectURIs are registered with every new client: the loopback
// callback of `wasmdrive login` (aliyun.Login). A registered http URI whose
// host is a loopback IP literal and that names no port matches that URI on
// any port, as RFC 8252 section 7.3 asks of servers for native apps (the
// login listener's port is often chosen by the OS).
var DefaultRedirectURIs = []string{"http://127.0.0.1/oauth/callback", "http://[::1]/oauth/callback"}

func tokenHash(t string) string {
	s := sha256.Sum256([]byte(t))
	return hex.EncodeToString(s[:])
}

func oauthError(status int, code, format string, a ...any) *drive.Error {
	return &drive.Error{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// RegisterClient creates or replaces an OAuth client (an "app") with a
// secret. A new client gets DefaultRedirectURIs; an existing one keeps its
// list (see SetRedirectURIs).
func (d *Drive) RegisterClient(ctx context.Context, clientID, secret string) error {
	return d.withTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO oauth_clients(client_id, secret_hash, created_at) VALUES(?,?,?)
			ON CONFLICT(client_id) DO NOTHING`, clientID, tokenHash(secret), nanos(time.Now()))
		if err != nil {
			return fmt.Errorf("local drive: register client: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return setRedirectURIs(ctx, tx, clientID, DefaultRedirectURIs)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_clients SET secret_hash = ? WHERE client_id = ?`, tokenHash(secret), clientID); err != nil {
			return fmt.Errorf("local drive: register client: %w", err)
		}
		return nil
	})
}

// SetRedirectURIs replaces the redirect URIs registered for a client: the
// only places /oauth/authorize sends a browser back to (like the callback
// URL of an app on the Open Platform's console). Each is an absolute http
// or https URL without a fragment.
func (d *Drive) SetRedirectURIs(ctx context.Context, clientID string, uris []string) error {
	return d.withTx(ctx, func(tx *txn) error {
		if err := clientExists(ctx, tx, clientID); err != nil {
			return err
		}
		return setRedirectURIs(ctx, tx, clientID, uris)
	})
}

// RedirectURIs lists the redirect URIs registered for a client.
func (d *Drive) RedirectURIs(ctx context.Context, clientID string) ([]string, error) {
	return redirectURIs(ctx, d.r, clientID)
}

func setRedirectURIs(ctx context.Context, tx *txn, clientID string, uris []string) error {
	if len(uris) > maxRedirects {
		return drive.Invalid("%d redirect URIs: at most %d may be registered", len(uris), maxRedirects)
	}
	for _, u := range uris {
		if err := checkRedirectURI(u); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_redirect_uris WHERE client_id = ?`, clientID); err != nil {
		return fmt.Errorf("local drive: set redirect URIs: %w", err)
	}
	for _, u := range uris {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO oauth_redirect_uris(client_id, uri) VALUES(?,?)`, clientID, u); err != nil {
			return fmt.Errorf("local drive: set redirect URIs: %w", err)
		}
	}
	return nil
}

func redirectURIs(ctx context.Context, q querier, clientID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT uri FROM oauth_redirect_uris WHERE client_id = ? ORDER BY uri`, clientID)
	if err != nil {
		return nil, fmt.Errorf("local drive: list redirect URIs: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("local drive: list redirect URIs: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// IssueRefreshToken mints a refresh token for a registered client, as if
// its user had just authorised it (for tests and `drive serve`).
func (d *Drive) IssueRefreshToken(ctx context.Context, clientID string) (string, error) {
	var t string
	err := d.withTx(ctx, func(tx *txn) error {
		if err := clientExists(ctx, tx, clientID); err != nil {
			return err
		}
		var err error
		// Refresh tokens are JWTs with the user as sub, like the real
		// service's: alist refuses any other (aliyundrive_open util.go getSub).
		t, err = storeTokenValue(ctx, tx, accessJWT(d.opts.UserName, refreshTTL), kindRefresh, clientID, "", refreshTTL)
		return err
	})
	return t, err
}

// NewClientCredentials registers a fresh client and returns its id, secret
// and a first refresh token.
func (d *Drive) NewClientCredentials(ctx context.Context) (clientID, secret, refresh string, err error) {
	clientID, secret = "wd-"+randomToken(8), randomToken(16)
	if err = d.RegisterClient(ctx, clientID, secret); err != nil {
		return "", "", "", err
	}
	refresh, err = d.IssueRefreshToken(ctx, clientID)
	return clientID, secret, refresh, err
}

func clientExists(ctx context.Context, q querier, clientID string) error {
	var n int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM oauth_clients WHERE client_id = ?`, clientID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return oauthError(400, "InvalidClientId", "client_id %q is not registered with this drive", clientID)
	}
	if err != nil {
		return fmt.Errorf("local drive: look up client: %w", err)
	}
	return nil
}

func storeToken(ctx context.Context, tx *txn, kind, clientID, challenge string, ttl time.Duration) (string, error) {
	return storeTokenValue(ctx, tx, randomToken(32), kind, clientID, challenge, ttl)
}

// storeTokenValue records token t (only its hash is kept).
func storeTokenValue(ctx context.Context, tx *txn, t, kind, clientID, challenge string, ttl time.Duration) (string, error) {
	_, err := tx.ExecContext(ctx, `INSERT INTO oauth_tokens(token_hash, kind, client_id, challenge, expires_at) VALUES(?,?,?,?,?)`,
		tokenHash(t), kind, clientID, challenge, nanos(time.Now().Add(ttl)))
	if err != nil {
		return "", fmt.Errorf("local drive: store %s token: %w", kind, err)
	}
	return t, nil
}

// authorizeCode mints an authorization code for the PKCE flow; challenge
// is the S256 code_challenge ("" for none).
func (d *Drive) authorizeCode(ctx context.Context, clientID, challenge string) (string, error) {
	var code string
	err := d.withTx(ctx, func(tx *txn) error {
		if err := clientExists(ctx, tx, clientID); err != nil {
			return err
		}
		var err error
		code, err = storeToken(ctx, tx, kindCode, clientID, challenge, codeTTL)
		return err
	})
	return code, err
}

// exchangeToken answers /oauth/access_token: it consumes an authorization
// code (checking the PKCE verifier) or a single-use refresh token and
// returns a new access token and a new refresh token.
func (d *Drive) exchangeToken(ctx context.Context, req openapi.AccessTokenRequest, accessTTL time.Duration) (*openapi.TokenResponse, error) {
	var res *openapi.TokenResponse
	err := d.withTx(ctx, func(tx *txn) error {
		var secretHash string
		err := tx.QueryRowContext(ctx, `SELECT secret_hash FROM oauth_clients WHERE client_id = ?`, req.ClientID).Scan(&secretHash)
		if errors.Is(err, sql.ErrNoRows) {
			return oauthError(400, "InvalidClientId", "client_id %q is not registered with this drive", req.ClientID)
		} else if err != nil {
			return fmt.Errorf("local drive: look up client: %w", err)
		}
		hasSecret := req.ClientSecret != ""
		if hasSecret && subtle.ConstantTimeCompare([]byte(tokenHash(req.ClientSecret)), []byte(secretHash)) != 1 {
			return oauthError(400, "InvalidClientSecret", "client_secret does not match client %q", req.ClientID)
		}
		var kind, given string
		switch req.GrantType {
		case openapi.GrantAuthCode:
			kind, given = kindCode, req.Code
		case openapi.GrantRefreshToken:
			// The Open Platform refreshes only with the app's secret: the
			// official Android SDK sends client_secret with every refresh
			// (alibaba/aliyunpan-android-sdk,
			// opensdk/.../auth/AliyunpanSecretCredentials.kt,
			// getRefreshTokenRequest), as alist does
			// (drivers/aliyundrive_open/util.go, refreshToken).
			if !hasSecret {
				return oauthError(400, "InvalidClientSecret", "client_secret is required to refresh a token: send the app's client_secret (accounts.NAME.client_secret), or authorise again")
			}
			kind, given = kindRefresh, req.RefreshToken
		default:
			return oauthError(400, "InvalidGrantType", "grant_type %q is not authorization_code or refresh_token", req.GrantType)
		}
		pkce, err := consumeToken(ctx, tx, kind, given, req.ClientID, req.CodeVerifier, hasSecret)
		if err != nil {
			return err
		}
		if pkce && !hasSecret {
			res, err = publicClientTokens(ctx, tx, req.ClientID, d.opts.UserName)
			return err
		}
		at, err := storeTokenValue(ctx, tx, accessJWT(d.opts.UserName, accessTTL), kindAccess, req.ClientID, "", accessTTL)
		if err != nil {
			return err
		}
		rt, err := storeTokenValue(ctx, tx, accessJWT(d.opts.UserName, refreshTTL), kindRefresh, req.ClientID, "", refreshTTL)
		if err != nil {
			return err
		}
		res = &openapi.TokenResponse{TokenType: openapi.TokenTypeBearer, AccessToken: at, RefreshToken: rt, ExpiresIn: int64(accessTTL / time.Second)}
		return nil
	})
	return res, err
}

// publicClientTokens answers a PKCE code exchange without the client
// secret (a "public client", as the official SDKs' PKCE login does:
// alibaba/aliyunpan-ios-sdk AliyunpanPKCECredentials.swift and
// alibaba/aliyunpan-android-sdk auth/AliyunpanPKCECredentials.kt send only
// client_id, code and code_verifier). The Open Platform then issues a
// 30-day access token and no refresh token: "PKCE方式 token有效期长30天
// 但是不支持refresh_token 只能再次授权" (the Android SDK's
// AliyunpanPKCECredentials.kt). Refreshing needs the secret.
func publicClientTokens(ctx context.Context, tx *txn, clientID, sub string) (*openapi.TokenResponse, error) {
	at, err := storeTokenValue(ctx, tx, accessJWT(sub, publicTTL), kindAccess, clientID, "", publicTTL)
	if err != nil {
		return nil, err
	}
	return &openapi.TokenResponse{TokenType: openapi.TokenTypeBearer, AccessToken: at, ExpiresIn: int64(publicTTL / time.Second)}, nil
}

// consumeToken checks and marks used a code or refresh token. pkce reports
// a code bound to a code_challenge (and checked against the verifier).
func consumeToken(ctx context.Context, tx *txn, kind, given, clientID, verifier string, hasSecret bool) (pkce bool, err error) {
	bad := func(msg string) error {
		if kind == kindCode {
			return oauthError(400, "InvalidCode", "authorization code %s: authorise again", msg)
		}
		code := drive.CodeRefreshTokenInvalid
		if msg == "expired" {
			code = drive.CodeRefreshTokenExpired
		}
		return oauthError(401, code, "refresh token %s: log in again", msg)
	}
	if given == "" {
		return false, bad("missing")
	}
	var owner, challenge string
	var exp int64
	var used int
	err = tx.QueryRowContext(ctx, `SELECT client_id, challenge, expires_at, used FROM oauth_tokens WHERE token_hash = ? AND kind = ?`,
		tokenHash(given), kind).Scan(&owner, &challenge, &exp, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, bad("unknown")
	case err != nil:
		return false, fmt.Errorf("local drive: look up token: %w", err)
	case owner != clientID:
		return false, bad("belongs to another client")
	case used != 0:
		return false, bad("already used (refresh tokens are single-use)")
	case time.Now().UnixNano() > exp:
		return false, bad("expired")
	}
	if kind == kindCode {
		switch {
		case challenge != "":
			s := sha256.Sum256([]byte(verifier))
			if base64.RawURLEncoding.EncodeToString(s[:]) != challenge {
				return false, bad("does not match code_verifier (PKCE S256)")
			}
		case !hasSecret:
			return false, oauthError(400, "InvalidClientSecret", "client_secret or a PKCE code_verifier is required")
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET used = 1 WHERE token_hash = ?`, tokenHash(given)); err != nil {
		return false, fmt.Errorf("local drive: consume token: %w", err)
	}
	return kind == kindCode && challenge != "", nil
}

// checkAccessToken validates a bearer token.
func (d *Drive) checkAccessToken(ctx context.Context, t string) error {
	var exp int64
	err := d.r.QueryRowContext(ctx, `SELECT expires_at FROM oauth_tokens WHERE token_hash = ? AND kind = ?`, tokenHash(t), kindAccess).Scan(&exp)
	if errors.Is(err, sql.ErrNoRows) {
		return oauthError(401, drive.CodeAccessTokenInvalid, "the access token is not valid: refresh it")
	}
	if err != nil {
		return fmt.Errorf("local drive: check token: %w", err)
	}
	if time.Now().UnixNano() > exp {
		return oauthError(401, drive.CodeAccessTokenExpired, "the access token expired: refresh it")
	}
	return nil
}

// ExpireAccessTokens makes every access token issued so far expired (a
// test hook for token refresh).
func (d *Drive) ExpireAccessTokens(ctx context.Context) error {
	return d.withTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET expires_at = ? WHERE kind = ?`, nanos(time.Now().Add(-time.Second)), kindAccess)
		return err
	})
}
