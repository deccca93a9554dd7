package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/batch"
	"github.com/wasmdrive/wasmdrive/runner/queue"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// forgeNode starts a node with two local accounts and the forge plugin,
// granted drive read/write/delete on /A of account a and emit on ">".
func forgeNode(t *testing.T) *node {
	t.Helper()
	abs, err := filepath.Abs("testdata/forge")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("", []string{}, map[string]any{
		"data_dir": t.TempDir(), "plugins.dirs": []string{abs}, "plugins.disable_builtins": true,
		"accounts.a.type": "local", "accounts.b.type": "local", "default_account": "a",
		"plugins.enabled.forge.account": "a", "node_name": "t1", "nats.listen": "127.0.0.1:-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return startNode(t, cfg, time.Second)
}

func upload(t *testing.T, d drive.Drive, dir, name string) *drive.File {
	t.Helper()
	ctx := context.Background()
	parent, err := d.MkdirAll(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	const body = "secret\n"
	if _, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: parent.FileID, Name: name, Size: int64(len(body)), Content: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	f, err := d.GetByPath(ctx, dir+"/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// runForge runs an entry of the forge plugin and waits for its end.
func runForge(t *testing.T, n *node, entry string, input any) *runner.RunRecord {
	t.Helper()
	in, _ := json.Marshal(input)
	rec, err := n.Service.Trigger(context.Background(), "forge", entry, in, "")
	if err != nil {
		t.Fatal(err)
	}
	got := waitRun(t, n.Service, runner.RunFilter{Plugin: "forge"}, func(r *runner.RunRecord) bool {
		return r.ID == rec.ID && (r.Status == runner.StatusSucceeded || r.Status == runner.StatusFailed || r.Status == runner.StatusDead)
	})
	if got.Status != runner.StatusSucceeded {
		t.Fatalf("forge %s: %+v", entry, got)
	}
	return got
}

func readAudit(t *testing.T, n *node) []hostfuncs.AuditRecord {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(n.Cfg.DataDir, "audit.jsonl"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []hostfuncs.AuditRecord
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r hostfuncs.AuditRecord
		if json.Unmarshal([]byte(line), &r) == nil {
			out = append(out, r)
		}
	}
	return out
}

// TestForgedBatchChunksAreRefusedAndAudited is issue 11 finding 1: a
// plugin granted /A of account a and emit on ">" publishes batch chunks
// that trash a file of account b and copy an ungranted file into /A, and
// a NATS client publishes the same chunks directly. Neither takes effect;
// both are audited; the plugin's own batch still works.
func TestForgedBatchChunksAreRefusedAndAudited(t *testing.T) {
	n := forgeNode(t)
	ctx := context.Background()
	da, err := n.Drives.Get("a")
	if err != nil {
		t.Fatal(err)
	}
	db, err := n.Drives.Get("b")
	if err != nil {
		t.Fatal(err)
	}
	victim := upload(t, db, "/B", "victim.txt")
	secret := upload(t, da, "/secret", "s.txt")
	mine := upload(t, da, "/A", "mine.txt")
	folderA, err := da.GetByPath(ctx, "/A")
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(job, account string, item drive.BatchRequest) batch.Chunk {
		return batch.Chunk{Job: job, Account: account, RunID: "forged", Items: []drive.BatchRequest{item}}
	}
	trashB := drive.BatchRequest{ID: "0", Op: drive.OpTrash, FileID: victim.FileID}
	copySecret := drive.BatchRequest{ID: "0", Op: drive.OpCopy, FileID: secret.FileID, ToParentID: folderA.FileID}

	// From the plugin: refused at the publish.
	type event struct {
		Subject string `json:"subject"`
		Data    any    `json:"data"`
	}
	rec := runForge(t, n, "emit", map[string]any{"events": []event{
		{namespace.Batch + ".f1", chunk("f1", "b", trashB)},
		{namespace.Batch + ".f2", chunk("f2", "a", copySecret)},
	}})
	var codes map[string]string
	if err := json.Unmarshal(rec.Result, &codes); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{namespace.Batch + ".f1", namespace.Batch + ".f2"} {
		if codes[s] != abi.CodePermissionDenied {
			t.Errorf("plugin publish on %s: code %q, want permission_denied", s, codes[s])
		}
	}

	// From a NATS client: refused by the batch worker.
	for _, c := range []batch.Chunk{chunk("f3", "b", trashB), chunk("f4", "a", copySecret)} {
		b, _ := json.Marshal(c)
		if _, err := n.Conn.JS.Publish(ctx, namespace.Batch+"."+c.Job, b); err != nil {
			t.Fatal(err)
		}
	}
	var refused map[string]hostfuncs.AuditRecord
	for deadline := time.Now().Add(30 * time.Second); len(refused) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		refused = map[string]hostfuncs.AuditRecord{}
		for _, r := range readAudit(t, n) {
			if r.Op == batch.AuditOp {
				refused[r.Target] = r
			}
		}
	}
	for _, want := range []struct{ job, account, file string }{{"f3", "b", victim.FileID}, {"f4", "a", secret.FileID}} {
		r, ok := refused[namespace.Batch+"."+want.job]
		if !ok || r.Result != abi.CodePermissionDenied || r.Account != want.account || len(r.FileIDs) != 1 || r.FileIDs[0] != want.file {
			t.Errorf("forged chunk %s: audit record %+v (found %v), want a permission_denied refusal", want.job, r, ok)
		}
	}

	// The plugin's own batch goes through its job record.
	rec = runForge(t, n, "batch", map[string]string{"file_id": mine.FileID})
	var res []abi.BatchItemResult
	if err := json.Unmarshal(rec.Result, &res); err != nil || len(res) != 1 || res[0].Status != 204 {
		t.Fatalf("legitimate batch = %s (%v)", rec.Result, err)
	}
	if f, err := da.Get(ctx, mine.FileID); err != nil || !f.Trashed {
		t.Errorf("the plugin's own trash did not apply: %+v, %v", f, err)
	}

	if f, err := db.Get(ctx, victim.FileID); err != nil || f.Trashed {
		t.Errorf("account b's file was touched: %+v, %v", f, err)
	}
	if _, err := da.GetByPath(ctx, "/A/s.txt"); !errors.Is(err, drive.ErrNotFound) {
		t.Errorf("the ungranted file was copied into /A: %v", err)
	}
	var emitDenied int
	for _, r := range readAudit(t, n) {
		if r.Op == abi.FnEmit && r.Result == abi.CodePermissionDenied && r.Plugin == "forge" && r.RunID != "" &&
			strings.HasPrefix(r.Target, namespace.Batch+".") {
			emitDenied++
		}
	}
	if emitDenied != 2 {
		t.Errorf("%d audited refusals of the plugin's batch publishes, want 2", emitDenied)
	}
}

// TestPluginPublishOnReservedSubjects is issue 11 finding 13: a publish on
// every reserved prefix answers permission_denied (not internal) and is
// audited with plugin, run and subject; headers NATS interprets
// (Nats-Msg-Id...) and wasmdrive's own are dropped from an allowed
// publish.
func TestPluginPublishOnReservedSubjects(t *testing.T) {
	n := forgeNode(t)
	reserved := []string{
		"wasmdrive.batch.j1", "wasmdrive.control.enable", "wasmdrive.control.plugins",
		"wasmdrive.drive.a.file.uploaded", "wasmdrive.runs.req.run.forge", "wasmdrive.runs.cancel.r1",
		"wasmdrive.logs.r1", "wasmdrive.dlq.forge", "wasmdrive.other",
		"$JS.API.STREAM.LIST", "$JSC.R.x", "$NRG.AE.x", "$SYS.REQ.SERVER.PING", "$KV.wasmdrive_batch.job.x",
		"$O.store.x", "$G.x", "_INBOX.x.y",
	}
	type event struct {
		Subject string            `json:"subject"`
		Data    any               `json:"data"`
		Headers map[string]string `json:"headers,omitempty"`
	}
	var events []event
	for _, s := range reserved {
		events = append(events, event{Subject: s, Data: map[string]int{"n": 1}})
	}
	const allowed = "app.forge.out"
	events = append(events, event{Subject: allowed, Data: 1, Headers: map[string]string{
		"Nats-Msg-Id": "dup", "nats-expected-stream": "X", "Wasmdrive-Hops": "0", "X-Ok": "1"}})
	got := make(chan *nats.Msg, 1)
	sub, err := n.Conn.NC.ChanSubscribe(allowed, got)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := n.Conn.NC.Flush(); err != nil {
		t.Fatal(err)
	}
	rec := runForge(t, n, "emit", map[string]any{"events": events})
	var codes map[string]string
	if err := json.Unmarshal(rec.Result, &codes); err != nil {
		t.Fatal(err)
	}
	for _, s := range reserved {
		if codes[s] != abi.CodePermissionDenied {
			t.Errorf("publish on %s: code %q, want permission_denied", s, codes[s])
		}
	}
	if codes[allowed] != "" {
		t.Errorf("publish on %s: code %q", allowed, codes[allowed])
	}
	m := <-got
	for h := range m.Header {
		// The host's own chain headers (markCause) are the only reserved
		// ones allowed, with the host's values.
		if namespace.ReservedHeader(h) && h != namespace.HopHeader && h != namespace.CausedByHeader {
			t.Errorf("plugin-supplied header %s reached NATS: %v", h, m.Header)
		}
	}
	if m.Header.Get(namespace.HopHeader) != "1" || m.Header.Get(namespace.CausedByHeader) != rec.ID {
		t.Errorf("chain headers are not the host's: %v", m.Header)
	}
	if m.Header.Get("X-Ok") != "1" {
		t.Errorf("ordinary header lost: %v", m.Header)
	}
	audited := map[string]string{}
	for _, r := range readAudit(t, n) {
		if r.Op == abi.FnEmit && r.Plugin == "forge" && r.RunID == rec.ID {
			audited[r.Target] = r.Result
		}
	}
	for _, s := range reserved {
		if audited[s] != abi.CodePermissionDenied {
			t.Errorf("publish on %s audited as %q, want permission_denied", s, audited[s])
		}
	}
	if audited[allowed] != "ok" {
		t.Errorf("allowed publish audited as %q", audited[allowed])
	}
}

// TestUnknownEntryRefusedAtTrigger is issue 11 finding 13: a run of an
// entry the plugin does not export is refused when it is asked for,
// instead of being queued to fail on a worker.
func TestUnknownEntryRefusedAtTrigger(t *testing.T) {
	n := forgeNode(t)
	ctx := context.Background()
	_, err := n.Service.Trigger(ctx, "forge", "nope", nil, "")
	if !errors.Is(err, queue.ErrUnknownEntry) || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "emit, batch") {
		t.Fatalf("err = %v, want ErrUnknownEntry naming the entry and the exports", err)
	}
	runs, err := n.Service.ListRuns(ctx, runner.RunFilter{Plugin: "forge"})
	if err != nil || len(runs) != 0 {
		t.Fatalf("runs after a refused trigger: %v, %v", runs, err)
	}
}

// TestControlSubjectsAreReserved keeps app's control subjects inside the
// namespace's reserved control area.
func TestControlSubjectsAreReserved(t *testing.T) {
	for _, s := range []string{SubjectPlugins, SubjectSetEnabled} {
		if !namespace.Match(namespace.Control+".>", s) || namespace.CheckPublish(s) == nil {
			t.Errorf("control subject %s is outside %s.> or not reserved", s, namespace.Control)
		}
	}
	if EnabledBucket != namespace.EnabledBucket {
		t.Errorf("EnabledBucket %s is not namespace.EnabledBucket", EnabledBucket)
	}
}
