// Package hostfuncs implements the host functions a wasmdrive plugin may
// call: thin, capability-checked, audited adapters from the ABI (sdk/abi) to
// the account's drive.Drive, the plugin's KV state, the run's log and
// progress sink and the event emitter.
//
// Every host function takes one i64 extism memory offset holding a JSON
// request and returns one i64 offset holding a JSON envelope
// ({ok,result} or {ok:false,error:{code,message,retryable}}). The per-call
// environment (*Env) travels in the context passed to Plugin.CallWithContext:
//
//	ctx = hostfuncs.WithEnv(ctx, env)
//	plugin.CallWithContext(ctx, "backup", input)
//
// and the plugin must have been built with hostfuncs.Functions().
//
// Go plugins built with sdk take a faster route to the same handlers,
// wd_call (fastpath.go), which moves the JSON through the plugin's own
// memory instead of extism kernel blocks.
package hostfuncs

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Batcher runs a batch on behalf of a plugin; when Env.Batcher is set it
// replaces Drive.Batch (the NATS layer provides a distributed one).
type Batcher interface {
	Batch(ctx context.Context, reqs []drive.BatchRequest, opts drive.BatchOptions) ([]drive.BatchResult, error)
}

// Env is everything the host functions need for one plugin call. The
// runner builds one per call and passes it with WithEnv; an Env must not be
// shared by calls running at the same time (it caches the calling
// instance's memory and holds the fast path's pending answer). Only
// Drive and Grant are required; a nil KV, Sink, Emitter or Audit makes the
// functions that need it answer unavailable (Sink: lines are dropped).
type Env struct {
	Drive   drive.Drive
	Grant   Grant
	KV      KV
	Sink    RunSink
	Emitter Emitter // nil: wd_emit answers unavailable
	Audit   *AuditLog
	Batcher Batcher // nil: Drive.Batch

	Plugin  string
	Version string
	Hash    string
	RunID   string
	Account string
	// Config is the plugin's configuration as a JSON object (wd_config).
	Config json.RawMessage
	// Clock returns the current time; nil is time.Now.
	Clock func() time.Time
	// Abort, if set, ends the call with err: a host function that found
	// the disk full calls it with a *DiskFullError (diskfull.go).
	Abort     func(err error)
	abortOnce sync.Once
	// MaxEmits caps the events this call may emit (limits.max_emits);
	// 0 means no cap.
	MaxEmits int

	// paths caches file id → drive path for grant checks during the call.
	mu    sync.Mutex
	paths map[string]string
	// shares holds the ids of the shares this call created (share.go).
	shares map[string]bool
	emits  int // events emitted so far (MaxEmits)
	// batches counts the call's Batch host calls (NextBatchOrdinal).
	batches int
	kern    *kernel // the running instance's kernel functions (kernel.go)
	// fast path (fastpath.go): the plugin's memory and an answer too big
	// for the plugin's buffer, waiting for abi.CallTake.
	guest   api.Memory
	guestOf *extism.Plugin
	pending []byte
}

type envKey struct{}

// WithEnv returns ctx carrying env for the host functions.
func WithEnv(ctx context.Context, env *Env) context.Context {
	return context.WithValue(ctx, envKey{}, env)
}

// EnvFrom returns the *Env carried by ctx, or nil.
func EnvFrom(ctx context.Context) *Env {
	e, _ := ctx.Value(envKey{}).(*Env)
	return e
}

func (e *Env) now() time.Time {
	if e.Clock != nil {
		return e.Clock()
	}
	return time.Now()
}

// kvKey scopes a plugin's key by plugin and account, so two plugins (or one
// plugin on two accounts) never see each other's state.
func (e *Env) kvKey(key string) string {
	return e.kvPrefix() + key
}

func (e *Env) kvPrefix() string {
	acct := e.Account
	if acct == "" {
		acct = "_"
	}
	return e.Plugin + "." + acct + "."
}

// NextBatchOrdinal returns how many distributed batches this call has
// submitted before (0 for the first) and counts one more. The ordinal lives
// in the call's Env, not on the node, so a run re-executed on any node
// numbers its batches the same way and resubmits the same jobs.
func (e *Env) NextBatchOrdinal() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.batches
	e.batches++
	return n
}
