package local

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind names an injected fault.
type FaultKind string

// Fault kinds.
const (
	Fault429     FaultKind = "429"     // 429 TooManyRequests with x-retry-after
	Fault500     FaultKind = "500"     // 500 InternalError (JSON)
	Fault502     FaultKind = "502"     // 502, plain-text body "Bad Gateway"
	FaultReset   FaultKind = "reset"   // read part of the request body, then reset the connection
	FaultLatency FaultKind = "latency" // sleep before answering
	FaultExpire  FaultKind = "expire"  // pre-signed URL answered as expired (403 AccessDenied)
	FaultToken   FaultKind = "token"   // 401 AccessTokenExpired
)

// Fault is one injected fault on the routes matching Route.
type Fault struct {
	Kind FaultKind
	// Route is a path glob ("*" matches any run of characters, "/" too);
	// "" matches every route.
	Route string
	// Prob is the chance per matching request (0..1); Every > 0 instead
	// fires on every Every-th matching request.
	Prob  float64
	Every int
	// Latency is the delay of FaultLatency.
	Latency time.Duration
	// RetryAfter is sent with a 429 (default 100 ms).
	RetryAfter time.Duration
}

// ParseFaults parses a fault spec: groups separated by ';', each a
// comma-separated list of items:
//
//	429:0.1      429 with probability 0.1 (also 500, 502, reset, expire, token)
//	500:/7       every 7th matching request
//	latency:5ms  added latency on every matching request
//	retry=50ms   x-retry-after of this group's 429s
//	route=GLOB   the routes of this group (default all)
//
// It returns the faults and the seed given by seed=N (0 if none).
// Example: "429:0.1,500:0.05,reset:0.02,latency:5ms,route=/adrive/v1.0/openFile/*".
func ParseFaults(spec string) ([]Fault, uint64, error) {
	var out []Fault
	var seed uint64
	for _, group := range strings.Split(spec, ";") {
		var fs []Fault
		route, retry := "", time.Duration(0)
		for _, item := range strings.Split(group, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if k, v, ok := strings.Cut(item, "="); ok {
				switch strings.TrimSpace(k) {
				case "route":
					route = strings.TrimSpace(v)
				case "retry":
					d, err := time.ParseDuration(strings.TrimSpace(v))
					if err != nil || d < 0 {
						return nil, 0, fmt.Errorf("faults: retry=%q: want a duration like 50ms", v)
					}
					retry = d
				case "seed":
					n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
					if err != nil {
						return nil, 0, fmt.Errorf("faults: seed=%q: want an unsigned integer", v)
					}
					seed = n
				default:
					return nil, 0, fmt.Errorf("faults: unknown setting %q (route, retry or seed)", k)
				}
				continue
			}
			f, err := parseFaultItem(item)
			if err != nil {
				return nil, 0, err
			}
			fs = append(fs, f)
		}
		for i := range fs {
			fs[i].Route = route
			if fs[i].Kind == Fault429 {
				fs[i].RetryAfter = retry
			}
		}
		out = append(out, fs...)
	}
	return out, seed, nil
}

func parseFaultItem(item string) (Fault, error) {
	k, v, ok := strings.Cut(item, ":")
	if !ok {
		return Fault{}, fmt.Errorf("faults: %q: want KIND:PROBABILITY, KIND:/N or latency:DURATION", item)
	}
	f := Fault{Kind: FaultKind(strings.TrimSpace(k))}
	v = strings.TrimSpace(v)
	switch f.Kind {
	case FaultLatency:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return Fault{}, fmt.Errorf("faults: latency %q: want a duration up to 1m", v)
		}
		f.Latency, f.Prob = d, 1
		return f, nil
	case Fault429, Fault500, Fault502, FaultReset, FaultExpire, FaultToken:
	default:
		return Fault{}, fmt.Errorf("faults: unknown kind %q (429, 500, 502, reset, latency, expire, token)", k)
	}
	if n, ok := strings.CutPrefix(v, "/"); ok {
		every, err := strconv.Atoi(n)
		if err != nil || every < 1 {
			return Fault{}, fmt.Errorf("faults: %q: /N needs a positive integer", item)
		}
		f.Every = every
		return f, nil
	}
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || !(p >= 0 && p <= 1) {
		return Fault{}, fmt.Errorf("faults: %q: probability must be in 0..1", item)
	}
	f.Prob = p
	return f, nil
}

// faultSet decides, per request, which faults fire; it is reproducible for
// a seed and a sequence of requests.
type faultSet struct {
	mu     sync.Mutex
	faults []Fault
	counts []int
	rng    *rand.Rand
}

func newFaultSet(fs []Fault, seed uint64) *faultSet {
	return &faultSet{faults: fs, counts: make([]int, len(fs)), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// pick returns the latency to add and the failing fault for path (nil: none).
func (s *faultSet) pick(path string) (time.Duration, *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lat time.Duration
	var fail *Fault
	for i := range s.faults {
		f := &s.faults[i]
		if !globMatch(f.Route, path) {
			continue
		}
		s.counts[i]++
		fire := false
		if f.Every > 0 {
			fire = s.counts[i]%f.Every == 0
		} else {
			fire = f.Prob >= 1 || s.rng.Float64() < f.Prob
		}
		if !fire {
			continue
		}
		if f.Kind == FaultLatency {
			lat += f.Latency
		} else if fail == nil {
			fail = f
		}
	}
	return lat, fail
}

// globMatch matches p against a glob whose '*' matches any run of
// characters, '/' included; an empty glob matches everything.
func globMatch(glob, p string) bool {
	if glob == "" {
		return true
	}
	parts := strings.Split(glob, "*")
	if len(parts) == 1 {
		return glob == p
	}
	if !strings.HasPrefix(p, parts[0]) {
		return false
	}
	p = p[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(p, mid)
		if i < 0 {
			return false
		}
		p = p[i+len(mid):]
	}
	return strings.HasSuffix(p, parts[len(parts)-1])
}
