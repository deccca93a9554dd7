package aliyun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// maxResponse bounds a JSON reply read into memory.
const maxResponse = 64 << 20

// Retry policy. Every call is retried, within MaxAttempts, when the service
// says the request was not processed: 429 TooManyRequests (waiting exactly
// x-retry-after when present), AccessTokenExpired/Invalid and I400JD (after
// one token refresh), and connection failures before the request was sent.
// Calls marked idempotent (reads, getDownloadUrl, getUploadUrl,
// listUploadedParts, complete, createFolder in refuse mode, update, trash,
// delete, restore, share cancel, part PUTs, ranged GETs) are also retried on
// 5xx, a plain-text 502, a connection reset or an EOF mid-reply; trash and
// delete then take NotFound as success. Other calls (create file, copy,
// move, createShare, auto_rename/ignore creates, batch, raw Request) then
// return the error, which drive.IsRetryable reports as retryable, because
// the service may have applied them.
type callOpts struct {
	idempotent bool
	// goneOK treats NotFound on a retry as success (trash, delete: the
	// earlier attempt may have applied).
	goneOK bool
	// pinToken sends this access token and does not refresh on 401 (the
	// body depends on it: rapid-upload proof_code).
	pinToken string
}

// transportError is a failure below HTTP (reset, EOF, refused). It is
// retryable and matches drive.ErrUnavailable.
type transportError struct {
	op  string
	err error
}

func (e *transportError) Error() string   { return e.op + ": " + e.err.Error() }
func (e *transportError) Unwrap() error   { return e.err }
func (e *transportError) Temporary() bool { return true }

// Is makes errors.Is(err, drive.ErrUnavailable) hold.
func (e *transportError) Is(target error) bool { return target == drive.ErrUnavailable }

// scrubURLError drops the query of the URL inside a *url.Error: presigned
// upload URLs carry signatures that must not reach logs.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u := ue.URL
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
	}
	return err
}

// notSent reports whether a transport error happened before any byte of
// the request reached the server (so even a non-idempotent call may retry).
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// backoff is the wait before attempt n (n ≥ 1): exponential from base,
// capped at max, with "equal jitter" (half fixed, half random).
func backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call POSTs in as JSON to path and decodes the reply into out (nil
// discards it; *json.RawMessage keeps it raw), applying the rate limiter,
// token refresh and the retry policy above.
func (c *Client) call(ctx context.Context, path string, in, out any, co callOpts) error {
	var payload []byte
	switch v := in.(type) {
	case nil:
		payload = []byte("{}")
	case json.RawMessage:
		payload = v
	default:
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", path, err)
		}
		payload = b
	}
	refreshed := false
	maybeApplied := false // an earlier attempt may have reached the service
	var lastErr error
	for attempt := 1; attempt <= c.maxAttempts; attempt++ {
		if attempt > 1 {
			wait := backoff(attempt-1, c.backoffBase, c.backoffMax)
			var de *drive.Error
			if errors.As(lastErr, &de) {
				if de.RetryAfter > 0 {
					wait = de.RetryAfter
				} else if de.Kind() == drive.ErrAuth || needsRefresh(de) {
					wait = 0
				}
			}
			c.log.Debug("aliyun: retry", "path", path, "attempt", attempt, "wait", wait, "err", lastErr)
			c.stats.retries.Add(1)
			if err := c.sleep(ctx, wait); err != nil {
				return fmt.Errorf("%s: %w (last error: %v)", path, err, lastErr)
			}
		}
		if err := c.waitLimit(ctx, path); err != nil {
			return err
		}
		tok := co.pinToken
		if tok == "" {
			var err error
			if tok, err = c.ts.Token(ctx); err != nil {
				return err
			}
		}
		status, hdr, body, err := c.post(ctx, path, tok, payload)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %w", path, ctx.Err())
			}
			lastErr = &transportError{op: path, err: err}
			maybeApplied = maybeApplied || !notSent(err)
			if co.idempotent || notSent(err) {
				continue
			}
			return lastErr
		}
		c.recordRate(status, hdr)
		if status/100 == 2 {
			if out == nil || len(bytes.TrimSpace(body)) == 0 {
				return nil
			}
			if err := json.Unmarshal(body, out); err != nil {
				return fmt.Errorf("%s: decode reply: %w", path, err)
			}
			return nil
		}
		de := decodeError(status, hdr, body, path)
		if co.goneOK && maybeApplied && (de.Kind() == drive.ErrNotFound || de.Code == drive.CodeForbiddenFileInTrash) {
			return nil
		}
		if status >= 500 {
			maybeApplied = true
		}
		lastErr = de
		switch {
		case needsRefresh(de) && !refreshed && co.pinToken == "":
			refreshed = true
			if _, err := c.ts.Refresh(ctx, tok); err != nil {
				return err
			}
			continue
		case (status == http.StatusUnauthorized || needsRefresh(de)) && co.pinToken != "":
			return de
		case status == http.StatusUnauthorized:
			de.Message += "; " + c.ts.loginHint()
			return de
		case status == http.StatusTooManyRequests:
			c.stats.throttled.Add(1)
			continue
		case status >= 500 && co.idempotent:
			continue
		}
		return de
	}
	return fmt.Errorf("%s: gave up after %d attempts: %w", path, c.maxAttempts, lastErr)
}

// codeI400JD is an answer alist treats like an expired access token
// (REFERENCE.md: alist drivers/aliyundrive_open/util.go).
const codeI400JD = "I400JD"

// needsRefresh reports an answer that means "refresh the access token and
// retry once": AccessTokenInvalid, AccessTokenExpired or I400JD, whatever
// the HTTP status (alist matches the code alone).
func needsRefresh(de *drive.Error) bool {
	switch de.Code {
	case drive.CodeAccessTokenExpired, drive.CodeAccessTokenInvalid, codeI400JD:
		return true
	}
	return false
}

// post sends one request and reads the whole reply.
func (c *Client) post(ctx context.Context, path, token string, payload []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, scrubURLError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read reply (HTTP %d): %w", resp.StatusCode, err)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// logger returns l or a discarding logger.
func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
