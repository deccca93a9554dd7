// Package aliyun is the client of the Aliyun Drive (阿里云盘) Open Platform
// API (openapi.alipan.com, /adrive/v1.0/...). It implements drive.Drive, and
// drive.TrashManager and drive.ShareManager through the extension paths that
// drive/local serves (the real service answers them with a 404 route, which
// the client reports as drive.ErrUnsupported).
//
// The client handles OAuth2 (a token file written atomically with mode
// 0600, single-use refresh-token rotation persisted before the new access
// token is used, refresh ahead of expiry and once on AccessTokenExpired),
// a per-account token-bucket rate limiter plus per-endpoint ones, retries with jittered
// exponential backoff that honour x-retry-after exactly (see callOpts for
// which calls are retried when), rapid upload (pre_hash, then content_hash +
// proof_code) and multipart upload (parts in order unless the service
// grants parallel upload), refresh of expired part URLs and resume. The base URL is configurable, so the same client is
// tested end to end against drive/local's HTTP server.
package aliyun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// DefaultBaseURL is the Open Platform's address.
const DefaultBaseURL = "https://openapi.alipan.com"

// maxRetryAfter caps a server-requested wait.
const maxRetryAfter = 10 * time.Minute

// Options configures a Client. Either TokenFile (read at New, rewritten on
// every rotation) or Token (kept in memory only) must supply credentials.
type Options struct {
	// Account names the account in errors and hints ("run `wasmdrive login
	// --account NAME`"); default "default".
	Account string
	// BaseURL of the API; default DefaultBaseURL.
	BaseURL      string
	ClientID     string
	ClientSecret string
	// TokenFile holds the OAuth tokens (see Token); mode 0600.
	TokenFile string
	// Token is an initial token used instead of reading TokenFile. When
	// TokenFile is also set, rotated tokens are written there.
	Token *Token
	// RateLimit is API requests per second (0: 10; negative: unlimited,
	// which also turns off EndpointRates). Part uploads and downloads go to
	// pre-signed URLs and are not limited.
	RateLimit float64
	// EndpointRates overrides DefaultEndpointRates per API path (requests
	// per second, burst 1; ≤ 0 removes the path's limit).
	EndpointRates map[string]float64
	// Burst of the limiter (default max(1, RateLimit)).
	Burst int
	// MaxAttempts per call, the first included (default 5).
	MaxAttempts int
	// BackoffBase and BackoffMax bound the jittered exponential backoff
	// used when the server gives no x-retry-after (default 250ms and 15s).
	BackoffBase, BackoffMax time.Duration
	// AsyncTaskTimeout bounds the wait for an asynchronous copy, move,
	// trash or delete (a large folder) to finish (default 30m).
	AsyncTaskTimeout time.Duration
	// RefreshBefore refreshes the access token this long before it expires
	// (default 5m).
	RefreshBefore time.Duration
	// PartConcurrency is how many parts of one upload are sent at once when
	// the service grants parallel upload (listUploadedParts parallelUpload);
	// default 4. Without the grant parts go one at a time, in order, as the
	// real service wants; speed comes from several files at once.
	PartConcurrency int
	// UseBatchEndpoint sends Batch chunks to openapi.PathBatch (served by
	// drive/local, absent from the real service) instead of single calls.
	UseBatchEndpoint bool
	// NativeOverwrite sends check_name_mode "overwrite" for uploads, which
	// drive/local applies atomically; the Open API lacks the mode, so it is
	// otherwise emulated (see Upload). Default: on when the server
	// advertises openapi.ExtOverwrite; a service that rejects the mode
	// turns it off.
	NativeOverwrite *bool
	// HTTPClient overrides the HTTP client (default: a tuned clone of
	// http.DefaultTransport, no overall timeout: calls are bounded by ctx).
	HTTPClient *http.Client
	// Logger receives debug logs of retries and refreshes; never credentials.
	Logger *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Client talks to the Open Platform API for one account.
type Client struct {
	opts        Options
	base        string
	hc          *http.Client
	ts          *tokenSource
	lims        limiterSet
	now         func() time.Time
	log         *slog.Logger
	maxAttempts int
	backoffBase time.Duration
	backoffMax  time.Duration
	partConc    int
	taskTimeout time.Duration
	sleep       func(context.Context, time.Duration) error // sleepCtx; tests record waits

	nativeOverwrite atomic.Bool
	overwriteSet    bool      // Options.NativeOverwrite given: do not ask the server
	overwriteOnce   sync.Once // the advertised mode turns native overwrite on once

	extMu sync.Mutex
	ext   map[string]bool // advertised extensions; nil until asked

	driveMu sync.Mutex
	driveID string

	rateMu sync.Mutex
	rate   RateLimitInfo

	stats struct {
		retries, throttled, bodyBytes atomic.Int64
	}
}

var (
	_ drive.Drive        = (*Client)(nil)
	_ drive.TrashManager = (*Client)(nil)
	_ drive.ShareManager = (*Client)(nil)
)

// New returns a client. It reads the token file but makes no request.
func New(opts Options) (*Client, error) {
	if opts.Account == "" {
		opts.Account = "default"
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.ClientID == "" {
		return nil, fmt.Errorf("aliyun account %s: client_id is required (the Open Platform app id)", opts.Account)
	}
	hint := fmt.Sprintf("run `wasmdrive login --account %s`", opts.Account)
	var tok Token
	switch {
	case opts.Token != nil:
		tok = *opts.Token
	case opts.TokenFile != "":
		t, err := LoadToken(opts.TokenFile)
		if err != nil {
			if errors.Is(err, ErrNoToken) {
				return nil, fmt.Errorf("aliyun account %s is not logged in (%w): %s", opts.Account, err, hint)
			}
			return nil, fmt.Errorf("aliyun account %s: %w", opts.Account, err)
		}
		tok = t
	default:
		return nil, fmt.Errorf("aliyun account %s: no token file configured: %s", opts.Account, hint)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	hc := opts.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		tr.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		tr.ResponseHeaderTimeout = 2 * time.Minute
		hc = &http.Client{Transport: tr}
	}
	c := &Client{
		opts:        opts,
		base:        strings.TrimRight(opts.BaseURL, "/"),
		hc:          hc,
		lims:        newLimiters(opts),
		now:         nowOr(opts.Now),
		log:         logger(opts.Logger).With("account", opts.Account),
		maxAttempts: orDefault(opts.MaxAttempts, 5),
		backoffBase: orDefault(opts.BackoffBase, 250*time.Millisecond),
		backoffMax:  orDefault(opts.BackoffMax, 15*time.Second),
		partConc:    orDefault(opts.PartConcurrency, 4),
		sleep:       sleepCtx,
		taskTimeout: orDefault(opts.AsyncTaskTimeout, defaultTaskTimeout),
	}
	if opts.NativeOverwrite != nil {
		c.nativeOverwrite.Store(*opts.NativeOverwrite)
		c.overwriteSet = true
	}
	c.ts = &tokenSource{
		account:      opts.Account,
		file:         opts.TokenFile,
		clientID:     opts.ClientID,
		clientSecret: opts.ClientSecret,
		endpoint:     c.base + openapi.PathAccessToken,
		hc:           hc,
		skew:         orDefault(opts.RefreshBefore, 5*time.Minute),
		now:          now,
		sem:          make(chan struct{}, 1),
		tok:          tok,
	}
	return c, nil
}

func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Close releases idle connections. The client must not be used afterwards.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// BaseURL is the API address the client talks to.
func (c *Client) BaseURL() string { return c.base }

// Refreshes is how many times the access token was refreshed.
func (c *Client) Refreshes() int64 { return c.ts.refreshes.Load() }

// BodyBytesSent is the number of content bytes sent in part uploads.
func (c *Client) BodyBytesSent() int64 { return c.stats.bodyBytes.Load() }

// RateLimitInfo is what the client last saw of the service's throttling,
// for `wasmdrive doctor`.
type RateLimitInfo struct {
	At     time.Time         `json:"at,omitempty"`
	Status int               `json:"status,omitempty"`
	Header map[string]string `json:"header,omitempty"` // x-ratelimit-*, ratelimit-*, x-retry-after, retry-after
	// Throttled counts 429 answers, Retries every retried attempt.
	Throttled int64 `json:"throttled"`
	Retries   int64 `json:"retries"`
}

// RateLimit returns the last rate-limit headers seen and the counters.
func (c *Client) RateLimit() RateLimitInfo {
	c.rateMu.Lock()
	r := c.rate
	r.Header = make(map[string]string, len(c.rate.Header))
	for k, v := range c.rate.Header {
		r.Header[k] = v
	}
	c.rateMu.Unlock()
	r.Throttled = c.stats.throttled.Load()
	r.Retries = c.stats.retries.Load()
	return r
}

// recordRate keeps rate-limit headers of an answer, when it has any.
func (c *Client) recordRate(status int, h http.Header) {
	var m map[string]string
	for k, v := range h {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "ratelimit") || strings.HasSuffix(lk, "retry-after") {
			if m == nil {
				m = map[string]string{}
			}
			m[lk] = strings.Join(v, ",")
		}
	}
	if m == nil && status != http.StatusTooManyRequests {
		return
	}
	c.rateMu.Lock()
	c.rate.At, c.rate.Status, c.rate.Header = time.Now(), status, m
	c.rateMu.Unlock()
}

// DriveID returns the account's default drive id, fetched once.
func (c *Client) DriveID(ctx context.Context) (string, error) {
	c.driveMu.Lock()
	id := c.driveID
	c.driveMu.Unlock()
	if id != "" {
		return id, nil
	}
	info, err := c.DriveInfo(ctx)
	if err != nil {
		return "", err
	}
	if info.DefaultDriveID == "" {
		return "", fmt.Errorf("%s answered no default_drive_id", openapi.PathDriveInfo)
	}
	c.driveMu.Lock()
	c.driveID = info.DefaultDriveID
	c.driveMu.Unlock()
	return info.DefaultDriveID, nil
}

// String names the client without its credentials.
func (c *Client) String() string {
	return fmt.Sprintf("aliyun.Client{account: %s, base: %s}", c.opts.Account, c.base)
}

// String prints the options without the client secret or tokens.
func (o Options) String() string {
	return fmt.Sprintf("aliyun.Options{Account: %s, BaseURL: %s, ClientID: %s, TokenFile: %s}", o.Account, o.BaseURL, o.ClientID, o.TokenFile)
}

// GoString is String, for %#v.
func (o Options) GoString() string { return o.String() }
