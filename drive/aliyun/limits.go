package aliyun

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// DefaultEndpointRates are the per-endpoint request rates (per second,
// burst 1) the client keeps on top of Options.RateLimit. The real service
// throttles some calls much harder than others; these are the limits
// alist's Open API driver keeps (REFERENCE.md: alist
// drivers/aliyundrive_open/driver.go Init: list Limit 4, getDownloadUrl
// Limit 1, each Bucket 1), since too many getDownloadUrl calls get the
// account's downloads blocked for a while (tickstep/aliyunpan#67).
var DefaultEndpointRates = map[string]float64{
	openapi.PathList:           4,
	openapi.PathGetDownloadURL: 1,
}

// limiterSet is the account-wide limiter and the per-endpoint ones.
type limiterSet struct {
	all  *rate.Limiter
	path map[string]*rate.Limiter
}

// newLimiters builds the limiters of o: none at all when o.RateLimit < 0.
func newLimiters(o Options) limiterSet {
	if o.RateLimit < 0 {
		return limiterSet{all: rate.NewLimiter(rate.Inf, 1)}
	}
	limit := rate.Limit(o.RateLimit)
	if o.RateLimit == 0 {
		limit = 10
	}
	burst := o.Burst
	if burst <= 0 {
		burst = max(1, int(o.RateLimit))
	}
	ls := limiterSet{all: rate.NewLimiter(limit, burst), path: map[string]*rate.Limiter{}}
	rates := map[string]float64{}
	for p, r := range DefaultEndpointRates {
		rates[p] = r
	}
	for p, r := range o.EndpointRates {
		rates[p] = r
	}
	for p, r := range rates {
		if r > 0 {
			ls.path[p] = rate.NewLimiter(rate.Limit(r), 1)
		}
	}
	return ls
}

// wait takes a token from the account's limiter and from path's, sleeping
// through c.sleep on c.now's clock (so tests see the waits).
func (c *Client) waitLimit(ctx context.Context, path string) error {
	for _, l := range []*rate.Limiter{c.lims.all, c.lims.path[path]} {
		if l == nil {
			continue
		}
		now := c.now()
		r := l.ReserveN(now, 1)
		if !r.OK() {
			return fmt.Errorf("%s: rate limiter refuses the request", path)
		}
		if d := r.DelayFrom(now); d > 0 {
			if err := c.sleep(ctx, d); err != nil {
				r.CancelAt(c.now())
				return fmt.Errorf("%s: rate limiter: %w", path, err)
			}
		}
	}
	return nil
}

// nowOr is o.Now or time.Now.
func nowOr(f func() time.Time) func() time.Time {
	if f != nil {
		return f
	}
	return time.Now
}
