package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// ServerOptions tunes the HTTP server.
type ServerOptions struct {
	// PublicURL is the scheme://host clients reach the server at, put into
	// signed URLs (default: taken from each request's Host).
	PublicURL string
	// NoAuth serves /adrive/ without a bearer token (in-process Request).
	NoAuth bool
	// AccessTokenTTL is the lifetime of access tokens (default 2 h).
	AccessTokenTTL time.Duration
	// UploadURLTTL is the lifetime of part upload URLs (default 1 h).
	UploadURLTTL time.Duration
	// RateLimit throttles API calls (/adrive/...) to this many per second,
	// answering 429 TooManyRequests with x-retry-after like the real
	// service (0: unlimited). Burst is the bucket size (default 1).
	RateLimit float64
	Burst     int
	// Faults to inject, and the seed of their random choices.
	Faults    []Fault
	FaultSeed uint64
	// Logger for request errors (default the drive's).
	Logger *slog.Logger
	// ParallelUpload answers listUploadedParts with parallelUpload: true,
	// the real service's grant to send a file's parts in parallel (off by
	// default: clients then send them in order).
	ParallelUpload bool
	// LargePages lets list and search pages exceed openapi.MaxListLimit
	// (extension openapi.ExtLargePages; off by default: the real service
	// answers 400 InvalidParameter.Limit).
	LargePages bool
	// AsyncThreshold: a copy, move, trash or delete of a folder whose
	// subtree holds more entries than this answers an async_task_id at
	// once and runs in the background, polled at async_task/get, as the
	// real service does with big folders (0: 1000; negative: never).
	AsyncThreshold int
	// EndpointRates throttle single endpoints (path → calls per second,
	// bucket 2) with 429 TooManyRequests and x-retry-after, on top of
	// RateLimit; DefaultEndpointRates are the real service's (off when nil).
	EndpointRates map[string]float64
	// DownloadConcurrency bounds the download GETs running at once; one
	// more answers 403 RequestDeniedByCallback ExceedMaxConcurrency like the
	// real service (DefaultDownloadConcurrency; 0: unbounded).
	DownloadConcurrency int
}

// Server serves a Drive in the Aliyun Open API dialect.
type Server struct {
	d      *Drive
	opts   ServerOptions
	mux    *http.ServeMux
	faults atomic.Pointer[faultSet]
	lim    *rate.Limiter // nil: unlimited
	log    *slog.Logger
	// consent holds authorize requests waiting for the user's answer.
	consent consents
	tasks   tasks
	lims    *limits

	bodyBytes atomic.Int64 // bytes received in part PUT bodies
	requests  atomic.Int64
	reqSeq    atomic.Int64
}

// NewServer returns the HTTP handler of the Open API dialect for d.
func NewServer(d *Drive, opts ServerOptions) *Server {
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = 2 * time.Hour
	}
	if opts.UploadURLTTL <= 0 {
		opts.UploadURLTTL = time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = d.log
	}
	s := &Server{d: d, opts: opts, mux: http.NewServeMux(), log: opts.Logger, lims: newLimits(opts)}
	if opts.RateLimit > 0 {
		s.lim = rate.NewLimiter(rate.Limit(opts.RateLimit), max(opts.Burst, 1))
	}
	if opts.PublicURL != "" {
		d.SetPublicURL(strings.TrimSuffix(opts.PublicURL, "/"))
	}
	s.SetFaults(opts.Faults, opts.FaultSeed)
	s.routes()
	return s
}

// SetFaults replaces the injected faults (nil: none).
func (s *Server) SetFaults(fs []Fault, seed uint64) { s.faults.Store(newFaultSet(fs, seed)) }

// BodyBytes is the number of bytes received in part-upload bodies.
func (s *Server) BodyBytes() int64 { return s.bodyBytes.Load() }

// Requests is the number of requests served.
func (s *Server) Requests() int64 { return s.requests.Load() }

// ServeHTTP injects faults, then routes the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	rid := fmt.Sprintf("%X-%d", time.Now().UnixNano()&0xffffff, s.reqSeq.Add(1))
	r = r.WithContext(context.WithValue(r.Context(), ridKey{}, rid))
	w.Header().Set(openapi.HeaderRequestID, rid)
	if s.opts.PublicURL == "" {
		if _, ok := s.d.publicURL.Load().(string); !ok {
			s.d.SetPublicURL("http://" + r.Host)
		}
	}
	if s.throttled(w, r) || s.endpointThrottled(w, r) {
		return
	}
	w, answered := s.inject(w, r)
	if answered {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// throttled answers 429 when an API call exceeds the rate limit.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request) bool {
	if s.lim == nil || !strings.HasPrefix(r.URL.Path, "/adrive/") {
		return false
	}
	res := s.lim.Reserve()
	wait := res.Delay()
	if wait == 0 {
		return false
	}
	res.Cancel()
	w.Header().Set(openapi.HeaderRetryAfter, strconv.FormatInt(max(wait.Milliseconds(), 1), 10))
	s.writeError(w, r, &drive.Error{Status: 429, Code: drive.CodeTooManyRequests, Message: openapi.MessageTooManyRequests})
	return true
}

type ridKey struct{}
type tokenKey struct{}

// inject applies the configured faults. It reports whether it answered;
// if not, the request goes on with the returned writer (which may cut the
// answer short).
func (s *Server) inject(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, bool) {
	lat, f := s.faults.Load().pick(r.URL.Path)
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return w, true
		}
	}
	if f == nil {
		return w, false
	}
	switch f.Kind {
	case Fault429:
		ra := f.RetryAfter
		if ra == 0 {
			ra = 100 * time.Millisecond
		}
		w.Header().Set(openapi.HeaderRetryAfter, strconv.FormatInt(ra.Milliseconds(), 10))
		s.writeError(w, r, &drive.Error{Status: 429, Code: drive.CodeTooManyRequests, Message: openapi.MessageTooManyRequests})
	case Fault500:
		s.writeError(w, r, &drive.Error{Status: 500, Code: drive.CodeInternalError, Message: "injected fault"})
	case Fault502:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "Bad Gateway")
	case FaultExpire:
		if !strings.HasPrefix(r.URL.Path, "/oss/") {
			return w, false
		}
		writeOSS(w, r, errURLExpired)
	case FaultToken:
		if !strings.HasPrefix(r.URL.Path, "/adrive/") {
			return w, false
		}
		s.writeError(w, r, &drive.Error{Status: 401, Code: drive.CodeAccessTokenExpired, Message: "the access token expired (injected): refresh it"})
	case FaultReset:
		if r.ContentLength <= 0 {
			// No request body to cut: cut the answer's body instead.
			return &cutWriter{ResponseWriter: w, after: 512}, false
		}
		io.CopyN(io.Discard, r.Body, r.ContentLength/2)
		resetConn(w)
	}
	return w, true
}

// resetConn closes the request's connection with an RST; if it cannot
// hijack it, it answers 502.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// cutWriter passes the first after bytes of a response body, flushes them
// and then resets the connection: the client gets the headers and a
// truncated body.
type cutWriter struct {
	http.ResponseWriter
	after   int
	written int
	cut     bool
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.cut {
		return 0, net.ErrClosed
	}
	if c.written+len(p) < c.after {
		c.written += len(p)
		return c.ResponseWriter.Write(p)
	}
	n, _ := c.ResponseWriter.Write(p[:c.after-c.written])
	http.NewResponseController(c.ResponseWriter).Flush()
	c.cut = true
	resetConn(c.ResponseWriter)
	return n, net.ErrClosed
}

// Unwrap lets http.ResponseController reach the connection.
func (c *cutWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

// writeError answers an error as the Open API does: {code,message,requestId}.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	de := asDriveError(err)
	if !errors.As(err, new(*drive.Error)) {
		s.log.Warn("local drive server: request failed", "path", r.URL.Path, "err", err)
	}
	rid, _ := r.Context().Value(ridKey{}).(string)
	writeJSON(w, de.Status, openapi.ErrorBody{Code: de.Code, Message: de.Message, RequestID: rid})
}

// asDriveError converts any error into a *drive.Error with a status.
func asDriveError(err error) *drive.Error {
	var de *drive.Error
	if errors.As(err, &de) {
		c := *de
		if c.Status == 0 {
			c.Status = 400
		}
		return &c
	}
	var me *http.MaxBytesError
	if errors.As(err, &me) {
		return &drive.Error{Status: 413, Code: "PayloadTooLarge", Message: err.Error()}
	}
	return &drive.Error{Status: 500, Code: drive.CodeInternalError, Message: err.Error()}
}

// writeOSS answers an OSS XML error.
func writeOSS(w http.ResponseWriter, r *http.Request, e *ossError) {
	rid, _ := r.Context().Value(ridKey{}).(string)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.status)
	w.Write(openapi.EncodeOSSError(e.code, e.msg, rid))
}

// maxJSONBody bounds API request bodies.
const maxJSONBody = 8 << 20

// api adapts a typed handler: it checks the bearer token, decodes the JSON
// body into Req, and encodes the answer (or the error).
func api[Req any](s *Server, auth bool, fn func(ctx context.Context, req *Req) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if auth && !s.opts.NoAuth {
			tok := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			if tok == "" {
				s.writeError(w, r, oauthError(401, drive.CodeAccessTokenInvalid, "no access token: send Authorization: Bearer <access_token>"))
				return
			}
			if err := s.d.checkAccessToken(ctx, tok); err != nil {
				s.writeError(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, tokenKey{}, tok)
		}
		var req Req
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
		if err != nil {
			s.writeError(w, r, fmt.Errorf("read request body: %w", err))
			return
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, &req); err != nil {
				s.writeError(w, r, &drive.Error{Status: 400, Code: drive.CodeInvalidRequestBody, Message: "the body is not valid JSON for this call: " + err.Error()})
				return
			}
		}
		if err := s.checkRequest(r.URL.Path, body); err != nil {
			s.writeError(w, r, err)
			return
		}
		res, err := fn(ctx, &req)
		if err != nil {
			s.writeError(w, r, realError(r.URL.Path, err))
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

// notFoundRoute answers an unknown route like the Open API's gateway.
func (s *Server) notFoundRoute(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, openapi.SpringError{Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05.000+00:00"),
		Status: 404, Error: "Not Found", Path: r.URL.Path})
}
