package local

import (
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	fs, seed, err := ParseFaults("429:0.1,500:/3,latency:5ms,retry=50ms,route=/adrive/v1.0/openFile/*;reset:0.5,seed=9")
	if err != nil {
		t.Fatal(err)
	}
	want := []Fault{
		{Kind: Fault429, Prob: 0.1, Route: "/adrive/v1.0/openFile/*", RetryAfter: 50 * time.Millisecond},
		{Kind: Fault500, Every: 3, Route: "/adrive/v1.0/openFile/*"},
		{Kind: FaultLatency, Prob: 1, Latency: 5 * time.Millisecond, Route: "/adrive/v1.0/openFile/*"},
		{Kind: FaultReset, Prob: 0.5},
	}
	if seed != 9 || len(fs) != len(want) {
		t.Fatalf("ParseFaults = %+v seed %d", fs, seed)
	}
	for i := range want {
		if fs[i] != want[i] {
			t.Errorf("fault %d = %+v, want %+v", i, fs[i], want[i])
		}
	}
	for _, bad := range []string{"429", "429:2", "boom:0.1", "500:/0", "latency:forever", "route", "x=1", "seed=-1"} {
		if _, _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted a bad spec", bad)
		}
	}
}

func TestFaultSetEveryNthAndGlob(t *testing.T) {
	s := newFaultSet([]Fault{{Kind: Fault500, Every: 3, Route: "/adrive/*/list"}}, 1)
	var fired []int
	for i := 1; i <= 9; i++ {
		if _, f := s.pick("/adrive/v1.0/openFile/list"); f != nil {
			fired = append(fired, i)
		}
		if _, f := s.pick("/adrive/v1.0/openFile/get"); f != nil {
			t.Fatal("a fault fired on a route its glob does not match")
		}
	}
	if len(fired) != 3 || fired[0] != 3 || fired[2] != 9 {
		t.Fatalf("every-3rd fault fired at %v", fired)
	}
}

func FuzzParseFaults(f *testing.F) {
	f.Add("429:0.1,500:0.05,reset:0.02,latency:5ms,route=/adrive/v1.0/openFile/*")
	f.Add("502:/2;expire:1,route=/oss/*,seed=3")
	f.Fuzz(func(t *testing.T, spec string) {
		fs, _, err := ParseFaults(spec)
		if err != nil {
			return
		}
		for _, x := range fs {
			if x.Prob < 0 || x.Prob > 1 || x.Every < 0 || x.Latency < 0 || x.Latency > time.Minute {
				t.Fatalf("ParseFaults(%q) gave an out-of-range fault %+v", spec, x)
			}
		}
		newFaultSet(fs, 1).pick("/adrive/v1.0/openFile/list")
	})
}
