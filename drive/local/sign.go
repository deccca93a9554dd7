package local

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// Paths of pre-signed URLs (no bearer token; the signature authorises).
const (
	uploadPrefix   = "/oss/upload/"   // + upload_id/part_number, PUT
	downloadPrefix = "/oss/download/" // + file_id, GET
)

// SetPublicURL sets the scheme and host ("http://127.0.0.1:8378") that
// signed URLs carry.
func (d *Drive) SetPublicURL(base string) { d.publicURL.Store(base) }

// signKey returns the URL-signing key, creating and persisting it once so
// URLs stay valid across restarts.
func (d *Drive) signKey(ctx context.Context) ([]byte, error) {
	if k, ok := d.key.Load().([]byte); ok {
		return k, nil
	}
	var k []byte
	err := d.withTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = 'sign_key'`).Scan(&k)
		if errors.Is(err, sql.ErrNoRows) {
			k, _ = hex.DecodeString(randomToken(32))
			_, err = tx.ExecContext(ctx, `INSERT INTO kv(k, v) VALUES('sign_key', ?)`, k)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("local drive: URL signing key: %w", err)
	}
	d.key.Store(k)
	return k, nil
}

// queryNonce makes every minted URL distinct, so a refreshed URL never
// equals the one it replaces.
const queryNonce = "x-oss-nonce"

func sign(key []byte, method, path string, exp int64, nonce string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%s\n%d\n%s", method, path, exp, nonce)
	return hex.EncodeToString(m.Sum(nil))
}

// signedURL returns base+path with x-oss-expires and x-oss-signature.
func (d *Drive) signedURL(method, path string, exp time.Time) (string, error) {
	key, err := d.signKey(context.Background())
	if err != nil {
		return "", err
	}
	base, _ := d.publicURL.Load().(string)
	q := url.Values{}
	q.Set(openapi.QueryExpires, strconv.FormatInt(exp.Unix(), 10))
	nonce := randomToken(6)
	q.Set(queryNonce, nonce)
	q.Set(openapi.QuerySignature, sign(key, method, path, exp.Unix(), nonce))
	return base + path + "?" + q.Encode(), nil
}

// errURLExpired and errBadSignature are the OSS answers to bad URLs.
var (
	errURLExpired   = &ossError{status: 403, code: "AccessDenied", msg: "Request has expired."}
	errBadSignature = &ossError{status: 403, code: "SignatureDoesNotMatch", msg: "The request signature we calculated does not match the signature you provided."}
)

// ossError is an error answered as OSS XML.
type ossError struct {
	status    int
	code, msg string
}

func (e *ossError) Error() string { return e.code + ": " + e.msg }

// verifyURL checks a signed URL's signature and expiry.
func (d *Drive) verifyURL(method, path string, q url.Values) error {
	key, err := d.signKey(context.Background())
	if err != nil {
		return err
	}
	exp, err := strconv.ParseInt(q.Get(openapi.QueryExpires), 10, 64)
	if err != nil {
		return errBadSignature
	}
	if !hmac.Equal([]byte(sign(key, method, path, exp, q.Get(queryNonce))), []byte(q.Get(openapi.QuerySignature))) {
		return errBadSignature
	}
	if time.Now().Unix() > exp {
		return errURLExpired
	}
	return nil
}
