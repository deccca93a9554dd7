package aliyun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// maxURLBatch is how many part URLs one getUploadUrl call asks for.
const maxURLBatch = 1000

// partSet tracks the URLs and the pending parts of one upload.
type partSet struct {
	sess drive.UploadSession

	mu      sync.Mutex
	urls    map[int]string
	pending map[int]bool

	refreshMu sync.Mutex // one getUploadUrl at a time
}

func (s *partSet) url(p int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urls[p]
}

func (s *partSet) finish(p int) {
	s.mu.Lock()
	delete(s.pending, p)
	s.mu.Unlock()
}

// refreshURLs replaces the URL of part p, unless another worker already
// replaced stale, together with those of up to maxURLBatch other pending
// parts (URLs expire together, so one call serves them all).
func (c *Client) refreshURLs(ctx context.Context, s *partSet, p int, stale string) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	if cur := s.url(p); cur != stale && cur != "" {
		return nil
	}
	s.mu.Lock()
	want := []openapi.PartInfo{{PartNumber: p}}
	for q := range s.pending {
		if q != p && len(want) < maxURLBatch {
			want = append(want, openapi.PartInfo{PartNumber: q})
		}
	}
	s.mu.Unlock()
	did, err := c.DriveID(ctx)
	if err != nil {
		return err
	}
	var r openapi.UploadURLResponse
	req := openapi.UploadURLRequest{DriveID: did, FileID: s.sess.FileID, UploadID: s.sess.UploadID, PartInfoList: want}
	if err := c.call(ctx, openapi.PathGetUploadURL, req, &r, idempotent); err != nil {
		return fmt.Errorf("renew part upload URLs: %w", err)
	}
	s.mu.Lock()
	for _, pi := range r.PartInfoList {
		if pi.UploadURL != "" {
			s.urls[pi.PartNumber] = pi.UploadURL
		}
	}
	s.mu.Unlock()
	if s.url(p) == "" || s.url(p) == stale && stale != "" {
		return fmt.Errorf("%s gave no new URL for part %d", openapi.PathGetUploadURL, p)
	}
	return nil
}

// sendAndComplete sends the parts not in done and completes the upload.
// hash, when known, is checked against the service's content_hash.
//
// held is what listUploadedParts said of the session (nil for a new one):
// parts already stored are skipped, and parts go in parallel only when it
// grants parallel upload; a new multi-part session asks first when
// PartConcurrency allows more than one part at once.
func (c *Client) sendAndComplete(ctx context.Context, req drive.UploadRequest, sess drive.UploadSession,
	urls map[int]string, held *heldParts, hash string, resumed bool) (*drive.UploadResult, error) {
	n := openapi.PartCount(sess.Size, sess.PartSize)
	if held == nil && n > 1 && c.partConc > 1 {
		h, err := c.uploadedParts(ctx, sess)
		if err != nil {
			return nil, fmt.Errorf("list uploaded parts: %w", err)
		}
		held = &h
	}
	if held == nil {
		held = &heldParts{}
	}
	done := held.done
	s := &partSet{sess: sess, urls: urls, pending: map[int]bool{}}
	var todo []int
	for p := 1; p <= n; p++ {
		if !done[p] {
			todo = append(todo, p)
			s.pending[p] = true
		}
	}
	prog := &progressSink{fn: req.Progress}
	sent, err := c.sendParts(ctx, s, todo, req.Content, prog, c.partsAtOnce(*held))
	if isNotSequential(err) {
		// The service takes parts in order only (OSS without parallel
		// upload): see what it holds, then send the rest one by one.
		c.log.Debug("aliyun: parts must be sequential; continuing one at a time", "file_id", sess.FileID)
		now, lerr := c.uploadedParts(ctx, sess)
		if lerr != nil {
			return nil, fmt.Errorf("list uploaded parts: %w", lerr)
		}
		todo = todo[:0]
		for p := 1; p <= n; p++ {
			if !now.done[p] && !done[p] {
				todo = append(todo, p)
			}
		}
		sent, err = c.sendParts(ctx, s, todo, req.Content, prog, 1)
	}
	if err != nil {
		return nil, err
	}
	if prog.conflicts.Load() > 0 {
		// Some part answered PartAlreadyExist: an earlier, interrupted
		// request may still be storing it and can yet fail. Check what the
		// service holds before completing.
		if err := c.sendMissing(ctx, s, n, req.Content, prog); err != nil {
			return nil, err
		}
		sent = prog.acked.Load()
	}
	f, err := c.complete(ctx, sess.FileID, sess.UploadID)
	if err != nil {
		return nil, fmt.Errorf("complete: %w", err)
	}
	if hash != "" && f.ContentHash != "" && openapi.NormalizeHash(f.ContentHash) != hash {
		return nil, &drive.Error{Status: 400, Code: drive.CodeInvalidContentHash,
			Message: fmt.Sprintf("the drive stored content with SHA-1 %s, the file has %s: upload again", f.ContentHash, hash)}
	}
	return &drive.UploadResult{File: f, BytesSent: sent, Resumed: resumed}, nil
}

// progressSink serialises Progress callbacks. Progress reports bytes stored
// plus bytes in flight; a failed attempt's bytes are taken back, so it can
// step back on a retry. It also counts parts the service said it had.
type progressSink struct {
	fn        func(int64)
	mu        sync.Mutex
	sent      atomic.Int64 // reported: stored plus in flight
	acked     atomic.Int64 // body bytes of parts the service stored
	conflicts atomic.Int64
}

func (p *progressSink) add(n int64) {
	v := p.sent.Add(n)
	if p.fn != nil {
		p.mu.Lock()
		p.fn(v)
		p.mu.Unlock()
	}
}

// isNotSequential reports OSS's refusal of a part sent before its predecessor.
func isNotSequential(err error) bool {
	var de *drive.Error
	return errors.As(err, &de) && de.Code == codePartNotSequential
}

// codePartNotSequential is OSS's code for a part sent out of order.
const codePartNotSequential = "PartNotSequential"

// sendParts PUTs the parts in todo, conc at a time, and returns the body
// bytes of the parts the service stored so far in this upload. After the
// first hard failure no new part starts and parts in flight stop at their
// next retry, but a part being sent is allowed to finish: it is good work
// for a resume, and no request is left behind to land after Upload
// returns.
func (c *Client) sendParts(ctx context.Context, s *partSet, todo []int, content io.ReaderAt, prog *progressSink, conc int) (int64, error) {
	var (
		next    atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	for w := 0; w < min(conc, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(todo) || stop.Load() || ctx.Err() != nil {
					return
				}
				if err := c.sendPart(ctx, s, todo[i], content, prog, &stop); err != nil {
					if !errors.Is(err, errStopped) {
						errOnce.Do(func() { first = err; stop.Store(true) })
					}
					return
				}
				s.finish(todo[i])
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return prog.acked.Load(), first
	}
	return prog.acked.Load(), ctx.Err()
}

// errStopped ends a part's retries after another part failed.
var errStopped = errors.New("stopped: another part failed")

// sendPart PUTs one part, renewing its URL on 403 or near expiry and
// retrying transport failures, 429 and 5xx. 409 PartAlreadyExist counts as
// success (an earlier attempt got through).
func (c *Client) sendPart(ctx context.Context, s *partSet, p int, content io.ReaderAt, prog *progressSink, stop *atomic.Bool) error {
	off, n := openapi.PartRange(p, s.sess.Size, s.sess.PartSize)
	var lastErr error
	for attempt := 1; attempt <= c.maxAttempts; attempt++ {
		if attempt > 1 {
			if stop.Load() {
				return errStopped
			}
			wait := backoff(attempt-1, c.backoffBase, c.backoffMax)
			var de *drive.Error
			if errors.As(lastErr, &de) && (de.RetryAfter > 0 || de.Status == http.StatusForbidden) {
				wait = de.RetryAfter
			}
			c.stats.retries.Add(1)
			if err := c.sleep(ctx, wait); err != nil {
				return err
			}
		}
		u := s.url(p)
		if exp, ok := openapi.URLExpiry(u); u == "" || ok && time.Until(exp) < uploadExpiry {
			if err := c.refreshURLs(ctx, s, p, u); err != nil {
				return fmt.Errorf("part %d: %w", p, err)
			}
			u = s.url(p)
		}
		status, hdr, body, err := c.putPart(ctx, u, content, off, n, prog)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = &transportError{op: fmt.Sprintf("upload part %d", p), err: err}
			continue
		}
		if status/100 == 2 {
			return nil
		}
		de := decodeError(status, hdr, body, fmt.Sprintf("upload part %d", p))
		lastErr = de
		switch {
		case de.Code == drive.CodePartAlreadyExist:
			prog.conflicts.Add(1)
			return nil
		case de.Code == codePartNotSequential:
			return de
		case status == http.StatusForbidden:
			if err := c.refreshURLs(ctx, s, p, u); err != nil {
				return fmt.Errorf("part %d: %w", p, err)
			}
		case de.Code == drive.CodeNoSuchUpload || de.Code == drive.CodeNotFoundUploadID:
			return de
		case status == http.StatusTooManyRequests || status >= 500:
		default:
			return de
		}
	}
	return fmt.Errorf("upload part %d: gave up after %d attempts: %w", p, c.maxAttempts, lastErr)
}

// putPart sends bytes [off, off+n) of content to a pre-signed URL, with no
// Authorization header (the URL carries its own signature).
func (c *Client) putPart(ctx context.Context, url string, content io.ReaderAt, off, n int64, prog *progressSink) (int, http.Header, []byte, error) {
	var inFlight atomic.Int64 // bytes of this attempt reported to Progress
	body, counted := partBody(content, off, n, func(k int64) { inFlight.Add(k); prog.add(k) })
	stored := false
	defer func() {
		if !stored { // the attempt failed: take its bytes back from Progress
			prog.add(-inFlight.Load())
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, body)
	if err != nil {
		if c, ok := body.(io.Closer); ok {
			c.Close()
		}
		return 0, nil, nil, fmt.Errorf("part request: %w", scrubURLError(err))
	}
	req.ContentLength = n
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, scrubURLError(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil && resp.StatusCode/100 != 2 {
		return 0, nil, nil, err
	}
	if resp.StatusCode/100 == 2 {
		stored = true
		c.stats.bodyBytes.Add(n)
		prog.acked.Add(n)
		if !counted {
			prog.add(n)
		}
	}
	return resp.StatusCode, resp.Header, b, nil
}

// countingReader reports bytes as the transport reads them.
type countingReader struct {
	r   io.Reader
	add func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(int64(n))
	}
	return n, err
}
