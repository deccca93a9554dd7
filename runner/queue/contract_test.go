package queue

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/contract"
	"github.com/wasmdrive/wasmdrive/runner/contract/runtest"
)

// copyCatalog answers with a fresh copy of its plugins, as the plugin host
// does (Service.Plugins fills in LastRun on what it gets).
type copyCatalog []runner.PluginInfo

func (c copyCatalog) Plugins(context.Context) ([]runner.PluginInfo, error) {
	return slices.Clone(c), nil
}
func (c copyCatalog) SetEnabled(context.Context, string, bool) error { return nil }

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
		e.svc.Catalog = copyCatalog(runtest.Plugins)
		return e.svc
	})
}
