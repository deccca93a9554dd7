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

// Lifetimes of OAuth grants (the Open Platform's: code 10 min, refresh 90 days).
const (
	codeTTL    = 10 * time.Minute
	refreshTTL = 90 * 24 * time.Hour
)

func tokenHash(t string) string {
	s := sha256.Sum256([]byte(t))
	return hex.EncodeToString(s[:])
}

func oauthError(status int, code, format string, a ...any) *drive.Error {
	return &drive.Error{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// RegisterClient creates or replaces an OAuth client (an "app") with a secret.
func (d *Drive) RegisterClient(ctx context.Context, clientID, secret string) error {
	return d.withTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_clients(client_id, secret_hash, created_at) VALUES(?,?,?)
			ON CONFLICT(client_id) DO UPDATE SET secret_hash = excluded.secret_hash`, clientID, tokenHash(secret), nanos(time.Now()))
		if err != nil {
			return fmt.Errorf("local drive: register client: %w", err)
		}
		return nil
	})
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
		t, err = storeToken(ctx, tx, kindRefresh, clientID, "", refreshTTL)
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
	t := randomToken(32)
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
		if req.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(tokenHash(req.ClientSecret)), []byte(secretHash)) != 1 {
			return oauthError(400, "InvalidClientSecret", "client_secret does not match client %q", req.ClientID)
		}
		var kind, given string
		switch req.GrantType {
		case openapi.GrantAuthCode:
			kind, given = kindCode, req.Code
		case openapi.GrantRefreshToken:
			kind, given = kindRefresh, req.RefreshToken
		default:
			return oauthError(400, "InvalidGrantType", "grant_type %q is not authorization_code or refresh_token", req.GrantType)
		}
		if err := consumeToken(ctx, tx, kind, given, req.ClientID, req.CodeVerifier, req.ClientSecret != ""); err != nil {
			return err
		}
		at, err := storeToken(ctx, tx, kindAccess, req.ClientID, "", accessTTL)
		if err != nil {
			return err
		}
		rt, err := storeToken(ctx, tx, kindRefresh, req.ClientID, "", refreshTTL)
		if err != nil {
			return err
		}
		res = &openapi.TokenResponse{TokenType: openapi.TokenTypeBearer, AccessToken: at, RefreshToken: rt, ExpiresIn: int64(accessTTL / time.Second)}
		return nil
	})
	return res, err
}

// consumeToken checks and marks used a code or refresh token.
func consumeToken(ctx context.Context, tx *txn, kind, given, clientID, verifier string, hasSecret bool) error {
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
		return bad("missing")
	}
	var owner, challenge string
	var exp int64
	var used int
	err := tx.QueryRowContext(ctx, `SELECT client_id, challenge, expires_at, used FROM oauth_tokens WHERE token_hash = ? AND kind = ?`,
		tokenHash(given), kind).Scan(&owner, &challenge, &exp, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return bad("unknown")
	case err != nil:
		return fmt.Errorf("local drive: look up token: %w", err)
	case owner != clientID:
		return bad("belongs to another client")
	case used != 0:
		return bad("already used (refresh tokens are single-use)")
	case time.Now().UnixNano() > exp:
		return bad("expired")
	}
	if kind == kindCode {
		switch {
		case challenge != "":
			s := sha256.Sum256([]byte(verifier))
			if base64.RawURLEncoding.EncodeToString(s[:]) != challenge {
				return bad("does not match code_verifier (PKCE S256)")
			}
		case !hasSecret:
			return oauthError(400, "InvalidClientSecret", "client_secret or a PKCE code_verifier is required")
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET used = 1 WHERE token_hash = ?`, tokenHash(given)); err != nil {
		return fmt.Errorf("local drive: consume token: %w", err)
	}
	return nil
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
