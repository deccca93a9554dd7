package local

import (
	"net/http"
	"strconv"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// DefaultEndpointRates are per-endpoint request rates (per second) like
// the real service's: no public source gives its quotas, so these are the
// limits public clients keep to stay clear of them (REFERENCE.md: alist
// drivers/aliyundrive_open/driver.go Init: list 4/s, getDownloadUrl 1/s),
// each with a bucket of 2 so that a client pacing itself at exactly that
// rate is not refused for timer jitter. `drive serve` turns them on.
var DefaultEndpointRates = map[string]float64{
	openapi.PathList:           4,
	openapi.PathGetDownloadURL: 1,
}

// endpointBurst is the bucket of each per-endpoint limiter.
const endpointBurst = 2

// DefaultDownloadConcurrency is how many download GETs the real service
// lets one user run at once before answering 403 RequestDeniedByCallback
// ExceedMaxConcurrency (3: T-cli internal/file/downloader/worker.go,
// AlistGo/alist#7258). `drive serve` turns it on.
const DefaultDownloadConcurrency = 3

// codeDeniedByCallback and msgExceedConcurrency are the OSS answer to one
// download too many (T-cli downloader/worker.go matches the message).
const (
	codeDeniedByCallback = "RequestDeniedByCallback"
	msgExceedConcurrency = "ExceedMaxConcurrency: at most this many downloads run at once for one user; wait for one to finish"
)

// limits are the per-endpoint limiters and the download slots of a server.
type limits struct {
	path      map[string]*rate.Limiter
	downloads atomic.Int64
}

func newLimits(o ServerOptions) *limits {
	l := &limits{path: map[string]*rate.Limiter{}}
	for p, r := range o.EndpointRates {
		if r > 0 {
			l.path[p] = rate.NewLimiter(rate.Limit(r), endpointBurst)
		}
	}
	return l
}

// endpointThrottled answers 429 TooManyRequests with x-retry-after (ms)
// when the call's endpoint is over its rate.
func (s *Server) endpointThrottled(w http.ResponseWriter, r *http.Request) bool {
	lim := s.lims.path[r.URL.Path]
	if lim == nil {
		return false
	}
	res := lim.Reserve()
	wait := res.Delay()
	if wait == 0 {
		return false
	}
	res.Cancel()
	w.Header().Set(openapi.HeaderRetryAfter, strconv.FormatInt(max(wait.Milliseconds(), 1), 10))
	s.writeError(w, r, &drive.Error{Status: 429, Code: drive.CodeTooManyRequests, Message: openapi.MessageTooManyRequests})
	return true
}

// downloadSlot takes one of the DownloadConcurrency slots; it answers the
// OSS 403 and reports false when none is free. The caller calls release.
func (s *Server) downloadSlot(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	n := int64(s.opts.DownloadConcurrency)
	if n <= 0 {
		return func() {}, true
	}
	if s.lims.downloads.Add(1) > n {
		s.lims.downloads.Add(-1)
		writeOSS(w, r, &ossError{status: http.StatusForbidden, code: codeDeniedByCallback, msg: msgExceedConcurrency})
		return nil, false
	}
	return func() { s.lims.downloads.Add(-1) }, true
}
