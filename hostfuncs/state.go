package hostfuncs

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// KV, log, progress, emit, config, time and run info.

func kvGet(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.KVKeyRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if err := env.kvReady(req.Key); err != nil {
		return nil, err
	}
	e, err := env.KV.Get(ctx, env.kvKey(req.Key))
	if err != nil {
		return nil, fmt.Errorf("kv get %q: %w", req.Key, err)
	}
	return &abi.KVEntry{Key: req.Key, Value: e.Value, Revision: e.Revision}, nil
}

func kvPut(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.KVPutRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if err := env.kvReady(req.Key); err != nil {
		return nil, err
	}
	if len(req.Value) > abi.MaxKVValueBytes {
		return nil, badArg("kv value of %d bytes for %q exceeds the %d-byte cap on one value: split it over several keys or store it in the drive", len(req.Value), req.Key, abi.MaxKVValueBytes)
	}
	rev, err := env.KV.Put(ctx, env.kvKey(req.Key), req.Value, req.ExpectRevision)
	if err != nil {
		return nil, fmt.Errorf("kv put %q: %w", req.Key, err)
	}
	return &abi.KVPutResult{Revision: rev}, nil
}

func kvDelete(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.KVKeyRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if err := env.kvReady(req.Key); err != nil {
		return nil, err
	}
	if err := env.KV.Delete(ctx, env.kvKey(req.Key)); err != nil {
		return nil, fmt.Errorf("kv delete %q: %w", req.Key, err)
	}
	return nil, nil
}

func kvList(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.KVListRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if env.KV == nil {
		return nil, fmt.Errorf("kv: no store configured: %w", errUnavailable)
	}
	pre := env.kvPrefix()
	keys, err := env.KV.List(ctx, pre+req.Prefix)
	if err != nil {
		return nil, fmt.Errorf("kv list: %w", err)
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if s, ok := strings.CutPrefix(k, pre); ok {
			out = append(out, s)
		}
	}
	return &abi.KVListResult{Keys: out}, nil
}

// kvReady validates a key: 1–512 bytes of printable characters (NATS KV
// keys allow [-/_=.a-zA-Z0-9]; the KV backend encodes others).
func (e *Env) kvReady(key string) error {
	if e.KV == nil {
		return fmt.Errorf("kv: no store configured: %w", errUnavailable)
	}
	if key == "" || len(key) > 512 || !utf8.ValidString(key) || strings.ContainsAny(key, " \t\r\n*>") {
		return badArg("kv key %q must be 1-512 bytes without spaces, * or >", key)
	}
	return nil
}

func logLine(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.LogRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	lvl := Level(req.Level)
	switch lvl {
	case LevelDebug, LevelInfo, LevelWarn, LevelError:
	case "":
		lvl = LevelInfo
	default:
		return nil, badArg("log level %q is not debug, info, warn or error", req.Level)
	}
	if env.Sink == nil {
		return nil, nil
	}
	msg := req.Msg
	if len(msg) > abi.MaxLogLineBytes {
		msg = strings.ToValidUTF8(msg[:abi.MaxLogLineBytes], "") + "…[truncated]"
	}
	if b, _ := json.Marshal(req.Fields); len(b) > abi.MaxLogLineBytes {
		req.Fields = map[string]any{"fields_truncated": len(b)}
	}
	env.Sink.Log(LogLine{RunID: env.RunID, Time: env.now(), Level: lvl, Source: "plugin", Msg: msg, Fields: req.Fields})
	return nil, nil
}

func progress(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.ProgressRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if req.Done < 0 || req.Total < 0 {
		return nil, badArg("progress done and total must not be negative")
	}
	if env.Sink != nil {
		env.Sink.Progress(Progress{Done: req.Done, Total: req.Total, Unit: truncate(req.Unit, 32), Note: truncate(req.Note, 256)})
	}
	return nil, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// emit publishes a plugin event. A subject in wasmdrive's reserved set
// (internal subjects, JetStream and system prefixes) is refused with
// permission_denied whatever the grant says; reserved headers (Nats-*,
// Wasmdrive-*) are dropped. Every emit is audited.
func emit(ctx context.Context, env *Env, in []byte) (_ any, err error) {
	var req abi.EmitRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnEmit, Target: req.Subject}
	defer func() { env.audit(ctx, rec, err) }()
	if err := validSubject(req.Subject, false); err != nil {
		return nil, badArg("%v", err)
	}
	if err := namespace.CheckPublish(req.Subject); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPermission, err)
	}
	if req.Headers, rec.Message = dropReservedHeaders(req.Headers); rec.Message != "" {
		env.hostLog(LevelWarn, "emit on "+req.Subject+": "+rec.Message+" (NATS and wasmdrive set these themselves)")
	}
	if err := env.Grant.CheckSubject(req.Subject); err != nil {
		if _, ok := err.(*PermissionError); ok {
			return nil, err
		}
		return nil, badArg("%v", err)
	}
	if len(req.Data) > abi.MaxEmitBytes {
		return nil, badArg("event of %d bytes exceeds the %d-byte cap on one event: put bulk data in the drive or KV and emit a reference", len(req.Data), abi.MaxEmitBytes)
	}
	if env.Emitter == nil {
		return nil, fmt.Errorf("emit: no event bus configured: %w", errUnavailable)
	}
	if err := env.countEmit(); err != nil {
		return nil, err
	}
	data := []byte(req.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	if err := env.Emitter.Emit(ctx, req.Subject, data, req.Headers); err != nil {
		return nil, fmt.Errorf("emit on %s: %w", req.Subject, err)
	}
	return nil, nil
}

// countEmit takes one event of the call's budget (Env.MaxEmits).
func (e *Env) countEmit() error {
	if e.MaxEmits <= 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.emits >= e.MaxEmits {
		return fmt.Errorf("emit: %w: this call already emitted %d events, the cap of limits.max_emits in plugin %s's plugin.yaml", drive.ErrQuota, e.emits, e.Plugin)
	}
	e.emits++
	return nil
}

// dropReservedHeaders removes the headers a plugin may not set and says
// which went.
func dropReservedHeaders(h map[string]string) (map[string]string, string) {
	var dropped []string
	for k := range h {
		if namespace.ReservedHeader(k) {
			dropped = append(dropped, k)
			delete(h, k)
		}
	}
	if len(dropped) == 0 {
		return h, ""
	}
	sort.Strings(dropped)
	return h, "dropped reserved headers " + strings.Join(dropped, ", ")
}

func config(ctx context.Context, env *Env, in []byte) (any, error) {
	if len(env.Config) == 0 {
		return json.RawMessage("{}"), nil
	}
	return env.Config, nil
}

func now(ctx context.Context, env *Env, in []byte) (any, error) {
	t := env.now()
	return &abi.NowResult{UnixNano: t.UnixNano(), Time: t.UTC()}, nil
}

// maxSleep bounds one wd_sleep call.
const maxSleep = time.Hour

func sleep(ctx context.Context, env *Env, in []byte) (any, error) {
	var req abi.SleepRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	d := time.Duration(req.Millis) * time.Millisecond
	if req.Millis < 0 || d > maxSleep {
		return nil, badArg("sleep of %d ms is outside 0..%d", req.Millis, maxSleep.Milliseconds())
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("sleep: %w", context.Cause(ctx))
	}
}

func runInfo(ctx context.Context, env *Env, in []byte) (any, error) {
	return &abi.RunInfo{Plugin: env.Plugin, Version: env.Version, Hash: env.Hash, RunID: env.RunID,
		Account: env.Account, ABIVersion: abi.Version}, nil
}
