package batch

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner/queue"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// TestForgedChunksAreRefusedAndAudited publishes chunks on the batch
// subject the way any NATS client could: for a job no host submitted, for
// a real job with another account or run, with items other than the
// recorded ones, and beyond its chunks. None is applied; each is audited.
func TestForgedChunksAreRefusedAndAudited(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := natsx.Open(ctx, natsx.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q, err := queue.Setup(ctx, c, queue.Options{AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	target, err := c.EnsureKV(ctx, jetstream.KeyValueConfig{Bucket: targetBucket})
	if err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	audit, err := hostfuncs.OpenAuditLog(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	e, err := New(ctx, q, kvApplier{kv: target, node: "n1"}, Options{ChunkSize: 10, Audit: audit})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(ctx) }()
	if _, err := e.Submit(ctx, "job1", "run1", "a", items(20), nil); err != nil {
		t.Fatal(err)
	}
	forged := []struct {
		name  string
		chunk Chunk
		why   string
	}{
		{"unknown job", Chunk{Job: "ghost", Account: "b", RunID: "run1", Items: []drive.BatchRequest{{ID: "x1", Op: drive.OpTrash, FileID: "victim"}}}, "has no record"},
		{"other account", Chunk{Job: "job1", Account: "b", RunID: "run1", Items: items(10)}, `names account "b"`},
		{"other run", Chunk{Job: "job1", Account: "a", RunID: "run2", Items: items(10)}, `names run "run2"`},
		{"other items", Chunk{Job: "job1", N: 1, Account: "a", RunID: "run1", Items: []drive.BatchRequest{{ID: "x2", Op: drive.OpCopy, FileID: "secret", ToParentID: "dst"}}}, "other than the ones"},
		{"beyond the job", Chunk{Job: "job1", N: 2, Account: "a", RunID: "run1", Items: []drive.BatchRequest{{ID: "x3", Op: drive.OpTrash, FileID: "victim"}}}, "beyond its 2"},
	}
	for i, f := range forged {
		b, _ := json.Marshal(f.chunk)
		if _, err := c.JS.Publish(ctx, Subject+"."+f.chunk.Job, b, jetstream.WithMsgID("forged"+itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	recs := waitAudit(t, auditPath, len(forged))
	for _, f := range forged { // the worker takes chunks in any order
		found := false
		for _, r := range recs {
			found = found || r.Op == AuditOp && r.Result == abi.CodePermissionDenied && strings.Contains(r.Message, f.why) &&
				r.Account == f.chunk.Account && r.RunID == f.chunk.RunID && r.Target == Subject+"."+f.chunk.Job && len(r.FileIDs) == len(f.chunk.Items)
		}
		if !found {
			t.Errorf("%s: no audit record of its refusal saying %q in %+v", f.name, f.why, recs)
		}
	}
	if n, _ := countKeys(ctx, target, "t.*"); n != 20 {
		t.Errorf("%d items applied, want the job's 20 and no forged one", n)
	}
	for _, id := range []string{"x1", "x2", "x3"} {
		if _, err := target.Get(ctx, targetKey(id)); err == nil {
			t.Errorf("forged item %s was applied", id)
		}
	}
	if n, _ := countKeys(ctx, target, "violation.*"); n != 0 {
		t.Errorf("%d items applied twice", n)
	}
	cancel()
	<-done
}

// waitAudit waits until the audit log holds n records and returns them.
func waitAudit(t *testing.T, path string, n int) []hostfuncs.AuditRecord {
	t.Helper()
	var recs []hostfuncs.AuditRecord
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		recs = recs[:0]
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var r hostfuncs.AuditRecord
			if json.Unmarshal([]byte(line), &r) == nil {
				recs = append(recs, r)
			}
		}
		if len(recs) >= n {
			return recs
		}
	}
	t.Fatalf("audit log has %d records, want %d: %+v", len(recs), n, recs)
	return nil
}
