package aliyun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// DownloadURL returns a time-limited link to a file's content. expire ≤ 0
// means the API default (900 s); it is capped at 14400 s.
func (c *Client) DownloadURL(ctx context.Context, fileID string, expire time.Duration) (*drive.DownloadURL, error) {
	did, err := c.DriveID(ctx)
	if err != nil {
		return nil, err
	}
	sec := int(expire / time.Second)
	switch {
	case sec <= 0:
		sec = openapi.DefaultDownloadExpireSec
	case sec > openapi.MaxDownloadExpireSec:
		sec = openapi.MaxDownloadExpireSec
	}
	var r downloadURLReply
	req := openapi.DownloadURLRequest{DriveID: did, FileID: fileID, ExpireSec: sec}
	if err := c.call(ctx, openapi.PathGetDownloadURL, req, &r, idempotent); err != nil {
		return nil, err
	}
	u := r.DownloadURL
	u.Expiration = r.Expiration.Time
	if u.URL == "" {
		streams := r.streams()
		if len(streams) == 0 {
			return nil, fmt.Errorf("%s answered neither url nor streamsUrl for %s", openapi.PathGetDownloadURL, fileID)
		}
		u.Streams, u.URL, u.Size = streams, pickStream(streams), 0
	}
	return &u, nil
}

// downloadURLReply is getDownloadUrl's answer. A live photo (.livp) has no
// url but streamsUrl: alist reads it as an object keyed by format
// (drivers/aliyundrive_open/driver.go link), tickstep-api types it as a
// string (openapi/file_api.go FileDownloadUrlResult); both are accepted, as
// is the snake_case spelling.
type downloadURLReply struct {
	drive.DownloadURL
	Expiration      openapi.Time    `json:"expiration"`
	StreamsURL      json.RawMessage `json:"streamsUrl"`
	StreamsURLSnake json.RawMessage `json:"streams_url"`
}

// streams decodes streamsUrl: an object of format to URL, or a string that
// holds such an object or one URL.
func (r *downloadURLReply) streams() map[string]string {
	raw := r.StreamsURL
	if len(raw) == 0 {
		raw = r.StreamsURLSnake
	}
	var m map[string]string
	if json.Unmarshal(raw, &m) == nil && len(m) > 0 {
		return m
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || s == "" {
		return nil
	}
	if json.Unmarshal([]byte(s), &m) == nil && len(m) > 0 {
		return m
	}
	return map[string]string{"stream": s}
}

// pickStream is the URL of a live photo's still image (heic, then jpeg),
// else its video, else the first format by name.
func pickStream(m map[string]string) string {
	for _, k := range []string{"heic", "jpeg", "jpg", "mov"} {
		if u := m[k]; u != "" {
			return u
		}
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return m[keys[0]]
}

// Download streams bytes [offset, offset+length) of a file (length < 0: to
// the end). A connection that breaks mid-body is resumed from the last byte
// received with a Range request; an expired link is replaced.
func (c *Client) Download(ctx context.Context, fileID string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, drive.Invalid("download offset %d < 0", offset)
	}
	r := &rangeReader{c: c, ctx: ctx, fileID: fileID, pos: offset, end: -1}
	if length >= 0 {
		r.end = offset + length
	}
	if length == 0 {
		return io.NopCloser(eofReader{}), nil
	}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// rangeReader reads [pos, end) of a file, reopening the ranged GET on
// transport failures (up to the client's attempt count in a row).
type rangeReader struct {
	c      *Client
	ctx    context.Context
	fileID string
	url    *drive.DownloadURL
	body   io.ReadCloser
	pos    int64
	end    int64 // -1: to the end
	fails  int
	busy   int // ExceedMaxConcurrency answers waited out
}

// Waiting out ExceedMaxConcurrency: the real service lets an ordinary app
// fetch at most 3 ranges at once per user and answers more with 403
// RequestDeniedByCallback "…ExceedMaxConcurrency" (REFERENCE.md, download
// GET: tickstep/aliyunpan internal/file/downloader/worker.go, which waits
// 10 s; AlistGo/alist#7258). The client keeps the link and backs off.
const (
	maxBusyWaits = 20
	busyWaitBase = 2 * time.Second
	busyWaitMax  = 30 * time.Second
)

// isExceedMaxConcurrency reports the download concurrency refusal.
func isExceedMaxConcurrency(de *drive.Error) bool {
	return strings.Contains(de.Code, "ExceedMaxConcurrency") || strings.Contains(de.Message, "ExceedMaxConcurrency")
}

// open (re)starts the GET at pos.
func (r *rangeReader) open() error {
	var lastErr error
	for attempt := 1; attempt <= r.c.maxAttempts; attempt++ {
		if attempt > 1 {
			if err := r.c.sleep(r.ctx, backoff(attempt-1, r.c.backoffBase, r.c.backoffMax)); err != nil {
				return err
			}
		}
		if r.url == nil || time.Until(r.url.Expiration) < 10*time.Second && !r.url.Expiration.IsZero() {
			u, err := r.c.DownloadURL(r.ctx, r.fileID, 0)
			if err != nil {
				return err
			}
			r.url = u
		}
		if r.end >= 0 && r.url.Size > 0 && r.end > r.url.Size {
			r.end = r.url.Size
		}
		if r.url.Size > 0 && r.pos >= r.url.Size || r.end >= 0 && r.pos >= r.end {
			r.body = io.NopCloser(eofReader{})
			return nil
		}
		req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.url.URL, nil)
		if err != nil {
			return fmt.Errorf("download %s: %w", r.fileID, err)
		}
		if r.pos > 0 || r.end >= 0 {
			rng := fmt.Sprintf("bytes=%d-", r.pos)
			if r.end >= 0 {
				rng = fmt.Sprintf("bytes=%d-%d", r.pos, r.end-1)
			}
			req.Header.Set("Range", rng)
		}
		resp, err := r.c.hc.Do(req)
		if err != nil {
			if r.ctx.Err() != nil {
				return r.ctx.Err()
			}
			lastErr = &transportError{op: "download " + r.fileID, err: scrubURLError(err)}
			continue
		}
		switch {
		case resp.StatusCode == http.StatusOK && (r.pos > 0 || r.end >= 0):
			// The server ignored Range: skip to pos ourselves.
			if _, err := io.CopyN(io.Discard, resp.Body, r.pos); err != nil {
				resp.Body.Close()
				lastErr = &transportError{op: "download " + r.fileID, err: err}
				continue
			}
			fallthrough
		case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent:
			r.body = resp.Body
			return nil
		case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
			resp.Body.Close()
			r.body = io.NopCloser(eofReader{})
			return nil
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		de := decodeError(resp.StatusCode, resp.Header, b, "download "+r.fileID)
		lastErr = de
		switch {
		case isExceedMaxConcurrency(de) && r.busy < maxBusyWaits:
			// Too many downloads at once for the account: the link is fine,
			// wait for a slot (this is not a failed attempt).
			r.busy++
			r.c.stats.throttled.Add(1)
			if err := r.c.sleep(r.ctx, backoff(r.busy, busyWaitBase, busyWaitMax)); err != nil {
				return err
			}
			attempt--
		case resp.StatusCode == http.StatusForbidden:
			r.url = nil // expired link: get a new one
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			if de.RetryAfter > 0 {
				if err := r.c.sleep(r.ctx, de.RetryAfter); err != nil {
					return err
				}
			}
		default:
			return de
		}
	}
	return fmt.Errorf("download %s: gave up after %d attempts: %w", r.fileID, r.c.maxAttempts, lastErr)
}

// Read reads the body, reopening it at the current position when the
// connection fails.
func (r *rangeReader) Read(p []byte) (int, error) {
	if r.end >= 0 {
		if r.pos >= r.end {
			return 0, io.EOF
		}
		if rem := r.end - r.pos; int64(len(p)) > rem {
			p = p[:rem]
		}
	}
	for {
		n, err := r.body.Read(p)
		r.pos += int64(n)
		if n > 0 {
			r.fails = 0
		}
		if err == nil || n > 0 && err == io.EOF {
			return n, nil
		}
		if err == io.EOF {
			if r.end >= 0 && r.pos < r.end || r.url != nil && r.url.Size > 0 && r.pos < r.url.Size {
				err = io.ErrUnexpectedEOF // cut short
			} else {
				return n, io.EOF
			}
		}
		if r.ctx.Err() != nil {
			return n, r.ctx.Err()
		}
		r.body.Close()
		r.fails++
		if r.fails > r.c.maxAttempts || errors.Is(err, context.Canceled) {
			return n, fmt.Errorf("download %s at byte %d: %w", r.fileID, r.pos, err)
		}
		if oerr := r.open(); oerr != nil {
			return n, oerr
		}
		if n > 0 {
			return n, nil
		}
	}
}

// Close ends the download.
func (r *rangeReader) Close() error {
	if r.body != nil {
		return r.body.Close()
	}
	return nil
}
