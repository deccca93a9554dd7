package sdk

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// KVGet returns a value of the plugin's durable state (scoped to the plugin
// and account by the host); a missing key is ErrNotFound.
func KVGet(key string) (*KVEntry, error) {
	var r KVEntry
	if err := call(abi.FnKVGet, abi.KVKeyRequest{Key: key}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// KVPut stores value and returns its new revision.
func KVPut(key string, value []byte) (uint64, error) {
	return kvPut(key, value, nil)
}

// KVPutIf stores value only if the key's revision is expectRev (0: only if
// the key does not exist); otherwise it fails with ErrConflict.
func KVPutIf(key string, value []byte, expectRev uint64) (uint64, error) {
	return kvPut(key, value, &expectRev)
}

func kvPut(key string, value []byte, expect *uint64) (uint64, error) {
	var r abi.KVPutResult
	if err := call(abi.FnKVPut, abi.KVPutRequest{Key: key, Value: value, ExpectRevision: expect}, &r); err != nil {
		return 0, err
	}
	return r.Revision, nil
}

// KVGetJSON decodes a JSON value into v and returns its revision.
func KVGetJSON(key string, v any) (uint64, error) {
	e, err := KVGet(key)
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(e.Value, v); err != nil {
		return 0, fmt.Errorf("kv %q: decode: %w", key, err)
	}
	return e.Revision, nil
}

// KVPutJSON stores v as JSON; expectRev non-nil makes it a compare-and-set.
func KVPutJSON(key string, v any, expectRev *uint64) (uint64, error) {
	b, err := marshal(v)
	if err != nil {
		return 0, err
	}
	return kvPut(key, b, expectRev)
}

// KVDelete removes a key.
func KVDelete(key string) error {
	return call(abi.FnKVDelete, abi.KVKeyRequest{Key: key}, nil)
}

// KVList returns the plugin's keys with prefix, sorted.
func KVList(prefix string) ([]string, error) {
	var r abi.KVListResult
	if err := call(abi.FnKVList, abi.KVListRequest{Prefix: prefix}, &r); err != nil {
		return nil, err
	}
	return r.Keys, nil
}

// Log writes a line to the run's log at level (abi.Level*) with fields
// given as alternating keys and values, like log/slog:
//
//	sdk.Log("info", "uploaded", "name", f.Name, "bytes", n)
func Log(level, msg string, kv ...any) {
	_ = call(abi.FnLog, abi.LogRequest{Level: level, Msg: msg, Fields: fields(kv)}, nil)
}

// LogDebug logs at debug level.
func LogDebug(msg string, kv ...any) { Log(abi.LevelDebug, msg, kv...) }

// LogInfo logs at info level.
func LogInfo(msg string, kv ...any) { Log(abi.LevelInfo, msg, kv...) }

// LogWarn logs at warn level.
func LogWarn(msg string, kv ...any) { Log(abi.LevelWarn, msg, kv...) }

// LogError logs at error level.
func LogError(msg string, kv ...any) { Log(abi.LevelError, msg, kv...) }

// fields turns alternating keys and values into a map; a key without a
// value gets "!MISSING", a non-string key is formatted.
func fields(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2+1)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			k = fmt.Sprint(kv[i])
		}
		if i+1 < len(kv) {
			m[k] = fieldValue(kv[i+1])
		} else {
			m[k] = "!MISSING"
		}
	}
	return m
}

// fieldValue keeps JSON-friendly values and formats the rest.
func fieldValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int, int32, int64, uint, uint32, uint64, float32, float64:
		return v
	case error:
		return x.Error()
	case time.Duration:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return v
}

// Progress reports done of total units (shown by the CLI and console).
func Progress(done, total int64, unit, note string) {
	_ = call(abi.FnProgress, abi.ProgressRequest{Done: done, Total: total, Unit: unit, Note: note}, nil)
}

// Emit publishes data (encoded as JSON) on a NATS subject inside the
// plugin's emit grant.
func Emit(subject string, data any, headers map[string]string) error {
	raw, err := marshal(data)
	if err != nil {
		return err
	}
	return call(abi.FnEmit, abi.EmitRequest{Subject: subject, Data: raw, Headers: headers}, nil)
}

// ReadConfig decodes the plugin's configuration (operator values merged
// with the manifest's defaults) into v, a pointer to a struct or map.
func ReadConfig(v any) error {
	return call(abi.FnConfig, nil, v)
}

// Now returns the host's current time.
func Now() time.Time {
	var r abi.NowResult
	if err := call(abi.FnNow, nil, &r); err != nil {
		return time.Now()
	}
	return r.Time
}

// Sleep waits d on the host; it returns early with ErrCancelled or
// ErrTimeout when the run is cancelled or times out. Prefer it to
// time.Sleep, which the host cannot interrupt.
func Sleep(d time.Duration) error {
	return call(abi.FnSleep, abi.SleepRequest{Millis: d.Milliseconds()}, nil)
}

// GetRunInfo returns the running plugin's name, version and run id.
func GetRunInfo() (*RunInfo, error) {
	var r RunInfo
	return &r, call(abi.FnRunInfo, nil, &r)
}
