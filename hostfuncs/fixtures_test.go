package hostfuncs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	extism "github.com/extism/go-sdk"

	"github.com/wasmdrive/wasmdrive/drive/local"
)

// memKV is an in-process KV with real revision semantics (the durable one
// is runner/jskv on JetStream); it is enough to test the adapter.
type memKV struct {
	mu   sync.Mutex
	rev  uint64
	data map[string]KVEntry
}

func newMemKV() *memKV { return &memKV{data: map[string]KVEntry{}} }

func (m *memKV) Get(ctx context.Context, key string) (KVEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.data[key]
	if !ok {
		return KVEntry{}, ErrKVNotFound
	}
	return e, nil
}

func (m *memKV) Put(ctx context.Context, key string, value []byte, expect *uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.data[key]
	if expect != nil && (*expect == 0 && ok || *expect != 0 && (!ok || cur.Revision != *expect)) {
		return 0, ErrKVConflict
	}
	m.rev++
	m.data[key] = KVEntry{Key: key, Value: append([]byte(nil), value...), Revision: m.rev}
	return m.rev, nil
}

func (m *memKV) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

func (m *memKV) List(ctx context.Context, prefix string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k := range m.data {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// recorder is a RunSink and Emitter that keeps what it receives.
type recorder struct {
	mu       sync.Mutex
	lines    []LogLine
	progress []Progress
	events   []string
}

func (r *recorder) Log(l LogLine) { r.mu.Lock(); r.lines = append(r.lines, l); r.mu.Unlock() }
func (r *recorder) Progress(p Progress) {
	r.mu.Lock()
	r.progress = append(r.progress, p)
	r.mu.Unlock()
}
func (r *recorder) Emit(ctx context.Context, subject string, data []byte, h map[string]string) error {
	r.mu.Lock()
	r.events = append(r.events, subject+" "+string(data)+" "+h["h"])
	r.mu.Unlock()
	return nil
}

// fixture is a local drive, an audit log and an Env for one test.
type fixture struct {
	drive *local.Drive
	audit *AuditLog
	path  string // audit log path
	rec   *recorder
	env   *Env
	dir   string // scratch host folder
}

func newFixture(t testing.TB, g Grant) *fixture {
	t.Helper()
	dir := t.TempDir()
	d, err := local.Open(filepath.Join(dir, "drive"), local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ap := filepath.Join(dir, "audit", "audit.jsonl")
	a, err := OpenAuditLog(ap)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	rec := &recorder{}
	env := &Env{Drive: d, Grant: g, KV: newMemKV(), Sink: rec, Emitter: rec, Audit: a,
		Plugin: "test", Version: "0.1.0", Hash: "sha256:x", RunID: "run-1", Account: "acct",
		Config: json.RawMessage(`{"greeting":"hi"}`)}
	return &fixture{drive: d, audit: a, path: ap, rec: rec, env: env, dir: dir}
}

// auditRecords reads the audit log back.
func (f *fixture) auditRecords(t testing.TB) []AuditRecord {
	t.Helper()
	b, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	var out []AuditRecord
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var r AuditRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// call runs entry with input as JSON and decodes the output into out.
func (f *fixture) call(t testing.TB, p *extism.Plugin, entry string, input, out any) {
	t.Helper()
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := p.CallWithContext(WithEnv(context.Background(), f.env), entry, in)
	if err != nil {
		t.Fatalf("call %s: %v", entry, err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("call %s: output %q: %v", entry, b, err)
		}
	}
}
