package web

import (
	"github.com/wasmdrive/wasmdrive/internal/redact"
	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// redactRun returns a copy of r with secrets in its input and result
// masked for the API (issue 15); the stored record keeps them for retries.
func redactRun(r *contract.RunRecord) *contract.RunRecord {
	if r == nil {
		return nil
	}
	c := *r
	c.Input, c.Result = redact.JSON(r.Input), redact.JSON(r.Result)
	return &c
}
