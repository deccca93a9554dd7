package app

import (
	"context"
	"errors"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
)

func TestDoctorReport(t *testing.T) {
	doctorHostHook = func(o *runner.Options) { o.Builder, o.DataDir = builder, pluginCache }
	defer func() { doctorHostHook = nil }()
	cfg := testConfig(t, t.TempDir(), nil)
	rep := Doctor(context.Background(), cfg, nil)
	want := map[string]string{
		"config/config":                        CheckOK,
		"account/default":                      CheckOK,
		"nats/connection":                      CheckWarn, // no serve running
		"nats/stream WASMDRIVE_RUNS":           CheckOK,
		"nats/consumer WASMDRIVE_RUNS/workers": CheckOK,
		"plugin/relay":                         CheckOK,
	}
	got := map[string]Check{}
	for _, c := range rep.Checks {
		got[c.Area+"/"+c.Name] = c
	}
	for k, status := range want {
		c, ok := got[k]
		if !ok || c.Status != status {
			t.Errorf("%s = %+v, want status %s", k, c, status)
		}
		if c.Status != CheckOK && c.Fix == "" {
			t.Errorf("%s has no fix", k)
		}
	}
	if !rep.OK {
		t.Errorf("report not OK: %+v", rep.Checks)
	}
}

func TestDoctorConfigError(t *testing.T) {
	rep := Doctor(context.Background(), nil, errors.New("config: nats.url: bad"))
	if rep.OK || len(rep.Checks) != 1 || rep.Checks[0].Status != CheckFail || rep.Checks[0].Fix == "" {
		t.Fatalf("report = %+v", rep)
	}
}
