package aliyun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// tokenPath is the Open Platform's token endpoint.
const tokenPath = "/oauth/access_token"

// tokenSource hands out a valid access token, refreshing it ahead of expiry
// or when the API rejects it. Refreshes are serialised (a semaphore that
// respects ctx), so N concurrent requests that see AccessTokenExpired cause
// one refresh. The rotated refresh token (single-use on the Open Platform)
// is written to the token file before the new access token is used.
type tokenSource struct {
	account      string
	file         string // "" keeps tokens in memory only
	clientID     string
	clientSecret string
	endpoint     string
	hc           *http.Client
	skew         time.Duration
	now          func() time.Time

	sem chan struct{} // held while refreshing or persisting

	mu    sync.Mutex
	tok   Token
	dirty bool // tok rotated but not yet saved

	refreshes atomic.Int64
}

// loginHint is the advice attached to every authentication failure.
func (s *tokenSource) loginHint() string {
	return fmt.Sprintf("run `wasmdrive login --account %s`", s.account)
}

// Token returns a valid access token.
func (s *tokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	t, dirty := s.tok, s.dirty
	s.mu.Unlock()
	if dirty {
		if err := s.persistPending(ctx); err != nil {
			return "", err
		}
	}
	if t.AccessToken != "" && s.now().Add(s.skew).Before(t.Expiry) {
		return t.AccessToken, nil
	}
	return s.Refresh(ctx, t.AccessToken)
}

// Refresh replaces the access token stale (the one a request was rejected
// with, or "" to force) and returns the new one. If another goroutine has
// already replaced stale, its token is returned without a second refresh.
func (s *tokenSource) Refresh(ctx context.Context, stale string) (string, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.sem }()

	s.mu.Lock()
	cur, dirty := s.tok, s.dirty
	s.mu.Unlock()
	if cur.AccessToken != "" && cur.AccessToken != stale && s.now().Before(cur.Expiry) {
		return cur.AccessToken, nil
	}
	// Another process sharing the token file may have rotated it already; its
	// refresh token is then the only valid one. (Not when ours is newer and
	// still unsaved.)
	if s.file != "" && !dirty {
		if onDisk, err := LoadToken(s.file); err == nil && onDisk.RefreshToken != cur.RefreshToken {
			cur = onDisk
			s.mu.Lock()
			s.tok = onDisk
			s.mu.Unlock()
			if cur.AccessToken != stale && s.now().Add(s.skew).Before(cur.Expiry) {
				return cur.AccessToken, nil
			}
		}
	}
	if cur.RefreshToken == "" {
		return "", fmt.Errorf("account %s: the access token expired and no refresh token is saved: %w; %s",
			s.account, drive.ErrAuth, s.loginHint())
	}
	nt, err := s.exchange(ctx, map[string]string{
		"grant_type":    "refresh_token",
		"refresh_token": cur.RefreshToken,
	})
	if err != nil {
		// Another process may have spent the same refresh token a moment
		// ago; if it saved a newer token, use that one.
		if s.file != "" && !dirty {
			if onDisk, lerr := LoadToken(s.file); lerr == nil && onDisk.RefreshToken != cur.RefreshToken &&
				s.now().Before(onDisk.Expiry) && onDisk.AccessToken != "" {
				s.mu.Lock()
				s.tok = onDisk
				s.mu.Unlock()
				return onDisk.AccessToken, nil
			}
		}
		return "", fmt.Errorf("account %s: refresh access token: %w", s.account, err)
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = cur.RefreshToken
	}
	s.refreshes.Add(1)
	s.mu.Lock()
	s.tok, s.dirty = nt, s.file != ""
	s.mu.Unlock()
	if err := s.saveLocked(); err != nil {
		return "", err
	}
	return nt.AccessToken, nil
}

// persistPending retries saving a rotated token whose first save failed.
func (s *tokenSource) persistPending(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.sem }()
	return s.saveLocked()
}

// saveLocked writes a dirty token; the caller holds sem.
func (s *tokenSource) saveLocked() error {
	s.mu.Lock()
	t, dirty := s.tok, s.dirty
	s.mu.Unlock()
	if !dirty {
		return nil
	}
	if err := SaveToken(s.file, t); err != nil {
		return fmt.Errorf("account %s: the refresh token was rotated but could not be saved (it is kept in memory; fix the folder's permissions or the next start will need login): %w",
			s.account, err)
	}
	s.mu.Lock()
	if s.tok.RefreshToken == t.RefreshToken {
		s.dirty = false
	}
	s.mu.Unlock()
	return nil
}

// tokenResponse is the body of /oauth/access_token.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
}

// exchange posts a grant to the token endpoint. Gateway errors (5xx, 429)
// and connection failures are retried a few times; a refused grant is an
// ErrAuth error that says to log in again. Credentials never appear in the
// returned error.
func (s *tokenSource) exchange(ctx context.Context, grant map[string]string) (Token, error) {
	return exchangeToken(ctx, s.hc, s.endpoint, s.clientID, s.clientSecret, grant, s.now, s.loginHint())
}

// exchangeToken is the token endpoint call shared by refresh and login.
func exchangeToken(ctx context.Context, hc *http.Client, endpoint, clientID, clientSecret string,
	grant map[string]string, now func() time.Time, hint string) (Token, error) {
	body := map[string]string{"client_id": clientID}
	if clientSecret != "" {
		body["client_secret"] = clientSecret
	}
	for k, v := range grant {
		body[k] = v
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return Token{}, err
	}
	var lastErr error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			wait := backoff(attempt, 500*time.Millisecond, 10*time.Second)
			var de *drive.Error
			if errors.As(lastErr, &de) && de.RetryAfter > 0 {
				wait = de.RetryAfter
			}
			if err := sleepCtx(ctx, wait); err != nil {
				return Token{}, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
		if err != nil {
			return Token{}, fmt.Errorf("token request: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return Token{}, ctx.Err()
			}
			lastErr = fmt.Errorf("token endpoint unreachable: %w", scrubURLError(err))
			continue
		}
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if rerr != nil {
			lastErr = fmt.Errorf("token endpoint: read reply: %w", rerr)
			continue
		}
		if resp.StatusCode/100 != 2 {
			de := decodeError(resp.StatusCode, resp.Header, b, tokenPath)
			if resp.StatusCode == 429 || resp.StatusCode >= 500 {
				lastErr = de
				continue
			}
			de.Message = de.Message + "; " + hint
			return Token{}, de
		}
		var tr tokenResponse
		if err := json.Unmarshal(b, &tr); err != nil || tr.AccessToken == "" {
			return Token{}, fmt.Errorf("token endpoint answered without an access token: %w", drive.ErrAuth)
		}
		if tr.ExpiresIn <= 0 {
			tr.ExpiresIn = 7200
		}
		return Token{
			AccessToken:  tr.AccessToken,
			RefreshToken: tr.RefreshToken,
			TokenType:    tr.TokenType,
			Expiry:       now().Add(time.Duration(tr.ExpiresIn) * time.Second),
		}, nil
	}
	return Token{}, lastErr
}
