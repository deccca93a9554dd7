package webtest

import (
	"context"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/contract"
	"github.com/wasmdrive/wasmdrive/runner/contract/runtest"
)

// TestRunServiceContract runs the RunService contract suite over MemRuns,
// so the console's tests see the JetStream service's rules.
func TestRunServiceContract(t *testing.T) {
	runtest.Run(t, func(t *testing.T) contract.RunService {
		s := New(runtest.Plugins...)
		s.Exec = func(ctx context.Context, s *MemRuns, rec runner.RunRecord) {
			if err := s.Start(rec.ID); err != nil {
				return
			}
			out, err := runtest.Execute(ctx, rec.Input)
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			_ = s.Finish(rec.ID, out, msg)
		}
		return s
	})
}
