package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/contract"
	"github.com/wasmdrive/wasmdrive/runner/contract/runtest"
)

// memCatalog stands in for the plugin host: it answers with a fresh copy
// of its plugins (Service.Plugins fills in LastRun on what it gets) and
// turns them on and off.
type memCatalog struct {
	mu sync.Mutex
	ps []runner.PluginInfo
}

func (c *memCatalog) Plugins(context.Context) ([]runner.PluginInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ps), nil
}

func (c *memCatalog) SetEnabled(_ context.Context, name string, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.ps {
		if c.ps[i].Name == name {
			c.ps[i].Enabled = on
			return nil
		}
	}
	return fmt.Errorf("%w %q", ErrUnknownPlugin, name)
}

// TestRunServiceContract runs the RunService contract suite over the
// JetStream service with a worker in-process.
func TestRunServiceContract(t *testing.T) {
	exec := func(ctx context.Context, req runner.CallRequest, _ runner.RunSink) (json.RawMessage, error) {
		out, err := runtest.Execute(ctx, req.Input)
		if errors.Is(err, runtest.ErrPlanned) {
			err = Permanent(err)
		}
		return out, err
	}
	runtest.Run(t, func(t *testing.T) contract.RunService {
		caller := funcCaller{}
		for _, p := range runtest.Plugins {
			caller[p.Name] = func(ctx context.Context, req runner.CallRequest, sink runner.RunSink) (json.RawMessage, error) {
				return exec(ctx, req, sink)
			}
		}
		e := setup(t, caller, nil)
		e.svc.Catalog = &memCatalog{ps: slices.Clone(runtest.Plugins)}
		return e.svc
	})
}
