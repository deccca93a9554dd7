package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// AuditOp is the audit log's op for a refused chunk.
const AuditOp = "batch.chunk"

// errRefused marks a chunk that does not match its job record.
var errRefused = errors.New("batch chunk refused")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errRefused, fmt.Sprintf(format, args...))
}

// recordJob writes the job record before any chunk is queued. A record
// that exists already (the run was re-executed and resubmits its job)
// must be for the same account and items.
func (e *Executor) recordJob(ctx context.Context, job string, info *jobInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("batch: encode job %s: %w", job, err)
	}
	if _, err := e.kv.Create(ctx, jobKey(job), b); err == nil {
		return nil
	} else if !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("batch: record job %s: %w", job, err)
	}
	old, err := e.job(ctx, job)
	if err != nil {
		return fmt.Errorf("batch: read job %s: %w", job, err)
	}
	if old.Account != info.Account || old.RunID != info.RunID || !slices.Equal(old.Sums, info.Sums) {
		return fmt.Errorf("batch: job %s is recorded for other items or another account; not resubmitting it", job)
	}
	return nil
}

// job reads a job record (jetstream.ErrKeyNotFound when there is none).
func (e *Executor) job(ctx context.Context, job string) (*jobInfo, error) {
	ent, err := e.kv.Get(ctx, jobKey(job))
	if err != nil {
		return nil, err
	}
	var info jobInfo
	if err := json.Unmarshal(ent.Value(), &info); err != nil {
		return nil, fmt.Errorf("batch: job record %s: %w", job, err)
	}
	return &info, nil
}

// checkChunk returns the chunk's job record, or an error matching
// errRefused when the chunk is not one the submitting host queued: no
// record, another account or run, or items other than the recorded ones.
// Other errors (NATS unreachable) are worth a retry.
func (e *Executor) checkChunk(ctx context.Context, c *Chunk) (*jobInfo, error) {
	info, err := e.job(ctx, c.Job)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, refused("job %s has no record: no wasmdrive host submitted it", c.Job)
	case err != nil:
		return nil, err
	case c.Account != info.Account:
		return info, refused("chunk %d of job %s names account %q; the job was submitted for %q", c.N, c.Job, c.Account, info.Account)
	case c.RunID != info.RunID:
		return info, refused("chunk %d of job %s names run %q; the job belongs to run %q", c.N, c.Job, c.RunID, info.RunID)
	case c.N >= len(info.Sums):
		return info, refused("chunk %d of job %s is beyond its %d recorded chunks", c.N, c.Job, len(info.Sums))
	case itemsSum(c.Items) != info.Sums[c.N]:
		return info, refused("chunk %d of job %s holds items other than the ones the host checked and recorded", c.N, c.Job)
	}
	return info, nil
}

// refuse drops a chunk that failed checkChunk or could not be decoded,
// logging and auditing it.
func (e *Executor) refuse(subject string, c *Chunk, info *jobInfo, why error) {
	rec := hostfuncs.AuditRecord{Time: time.Now().UTC(), Op: AuditOp, Target: subject,
		Result: abi.CodePermissionDenied, Message: why.Error()}
	if c != nil {
		rec.RunID, rec.Account, rec.Count = c.RunID, c.Account, len(c.Items)
		for i := range min(len(c.Items), 1000) {
			rec.FileIDs = append(rec.FileIDs, c.Items[i].FileID)
		}
	}
	if info != nil {
		rec.Plugin = info.Plugin
	}
	e.log.Error("refusing batch chunk", "subject", subject, "err", why)
	if err := e.o.Audit.Append(rec); err != nil {
		e.log.Error("audit log write failed", "op", AuditOp, "err", err)
	}
}
