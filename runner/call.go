package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/sys"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Call runs one entry point of a plugin on a pooled instance, with the
// plugin's timeout, and reports its output and logs to sink. A trap, a
// timeout or a limit ends only this call; the instance is discarded.
func (h *Host) Call(ctx context.Context, req CallRequest, sink RunSink) (*CallResult, error) {
	for attempt := 0; ; attempt++ {
		v, err := h.current(req.Plugin)
		if err != nil {
			return nil, err
		}
		res, err := h.callVersion(ctx, v, req, sink)
		if errors.Is(err, errRetired) && attempt < 3 {
			continue // replaced between lookup and acquire: use the new version
		}
		return res, err
	}
}

// current returns the version new calls of a plugin use.
func (h *Host) current(name string) (*version, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	e := h.plugins[name]
	switch {
	case e == nil:
		return nil, &ClassError{Code: abi.CodeNotFound, Permanent: true, Err: fmt.Errorf("%w %q (loaded: %s)", ErrUnknownPlugin, name, h.namesLocked())}
	case e.cur == nil:
		return nil, fmt.Errorf("plugin %s did not load: %w", name, e.err)
	case e.disabled:
		return nil, &ClassError{Code: abi.CodePermissionDenied, Permanent: true, Err: fmt.Errorf("plugin %s: %w (disabled)", name, ErrDisabled)}
	case !h.listed(name) && !h.opts.RunUnlisted:
		return nil, &ClassError{Code: abi.CodePermissionDenied, Permanent: true, Err: fmt.Errorf("plugin %s: %w: add plugins.enabled.%s to the config", name, ErrDisabled, name)}
	}
	return e.cur, nil
}

func (h *Host) callVersion(ctx context.Context, v *version, req CallRequest, sink RunSink) (*CallResult, error) {
	man := v.man
	if v.configErr != nil {
		return nil, v.configErr
	}
	entry := req.Entry
	if entry == "" {
		entry = man.Entry
	}
	if !man.HasExport(entry) {
		return nil, &ClassError{Code: abi.CodeNotFound, Permanent: true,
			Err: fmt.Errorf("plugin %s: no entry point %q: %w (exports: %s; see wasmdrive plugin inspect %s)", man.Name, entry, ErrUnknownEntry, strings.Join(man.ExportNames(), ", "), man.Name)}
	}
	input := []byte(req.Input)
	if int64(len(input)) > man.Limits.MaxInputBytes {
		return nil, &ClassError{Code: abi.CodeInvalidArgument, Permanent: true,
			Err: fmt.Errorf("plugin %s: input is %d bytes: %w (limits.max_input_bytes = %d)", man.Name, len(input), ErrLimit, man.Limits.MaxInputBytes)}
	}
	account := req.Account
	if account == "" {
		account = v.account
	}
	// Everything the plugin logs goes through the call's log caps; the
	// host's verdict on the call (below) does not.
	var (
		logs   RunSink
		capped *logCap
	)
	if sink != nil {
		capped = newLogCap(sink, man.Limits)
		logs = capped
	}
	env := &hostfuncs.Env{
		Grant: v.grant, KV: h.opts.KV, Sink: logs, Emitter: h.opts.Emitter, Audit: h.opts.Audit, Batcher: h.opts.Batcher,
		Plugin: man.Name, Version: man.Version, Hash: v.hash, RunID: req.RunID, Account: account, Config: v.config,
		MaxEmits: man.Limits.MaxEmits,
	}
	if h.opts.Drives != nil {
		d, err := h.opts.Drives(ctx, account)
		if err != nil {
			return nil, fmt.Errorf("plugin %s: account %q: %w", man.Name, account, err)
		}
		env.Drive = d
	}

	timeout := man.Limits.Timeout.D()
	cs := &callSink{sink: logs, runID: req.RunID}
	var (
		cctx      context.Context
		in        *instance
		rc        uint32
		out       []byte
		callErr   error
		pluginMsg string
		elapsed   time.Duration
	)
	for attempt := 0; ; attempt++ {
		var err error
		in, err = v.pool.acquire(ctx) // waiting for a free instance is not the plugin's time
		if err != nil {
			if errors.Is(err, errRetired) {
				return nil, err
			}
			return nil, fmt.Errorf("plugin %s: %w", man.Name, err)
		}
		if cctx == nil { // the timeout starts once an instance is ours
			var cancel context.CancelFunc
			cctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
			var abort context.CancelCauseFunc
			cctx, abort = context.WithCancelCause(cctx)
			defer abort(nil)
			env.Abort = abort
		}
		in.bind(cs)
		start := time.Now()
		rc, out, callErr = in.p.CallWithContext(hostfuncs.WithEnv(cctx, env), entry, input)
		elapsed = time.Since(start)
		pluginMsg = ""
		if callErr != nil {
			pluginMsg = in.p.GetError() // set by pdk.SetError: a clean failure
		}
		in.unbind()
		if callErr != nil && in.calls > 0 && callErr.Error() == errClosed && attempt == 0 {
			// The module exited during its previous call (a guest os.Exit
			// looks like success to extism); nothing ran: use another.
			v.pool.put(in, true)
			continue
		}
		in.calls++
		break
	}
	if capped != nil {
		capped.report(man.Name)
	}
	cs = &callSink{sink: sink, runID: req.RunID} // the host's own lines from here

	err := classify(man, entry, rc, callErr, pluginMsg, cctx, ctx, timeout)
	var full *hostfuncs.DiskFullError
	if cause := context.Cause(cctx); ctx.Err() == nil && errors.As(cause, &full) {
		err = fmt.Errorf("plugin %s: %s: %w", man.Name, entry, full) // a host function stopped the call
	}
	discard := err != nil && !errors.Is(err, ErrPluginFailed)
	if len(input) > agingBytes || len(out) > agingBytes || in.heapGrown(man.Limits.MemoryPages) {
		discard = true
	}
	if err == nil && int64(len(out)) > man.Limits.MaxOutputBytes {
		err = &ClassError{Code: abi.CodeQuotaExceeded, Permanent: true,
			Err: fmt.Errorf("plugin %s: %s: output is %d bytes: %w (limits.max_output_bytes = %d)", man.Name, entry, len(out), ErrLimit, man.Limits.MaxOutputBytes)}
	}
	v.pool.put(in, discard)
	if err != nil {
		cs.log(LevelError, "host", err.Error())
		return nil, err
	}
	res := &CallResult{Plugin: man.Name, Version: man.Version, Hash: v.hash, Elapsed: elapsed}
	if len(out) > 0 {
		if json.Valid(out) {
			res.Output = out
		} else {
			res.Output, _ = json.Marshal(string(out)) // a plain-text result
		}
	}
	return res, nil
}

// errClosed is extism's answer for a call on an instance whose module closed.
const errClosed = "module is closed"

// classify turns what extism returned into an error a person can act on.
func classify(man *Manifest, entry string, rc uint32, callErr error, pluginMsg string, cctx, parent context.Context, timeout time.Duration) error {
	where := fmt.Sprintf("plugin %s: %s", man.Name, entry)
	if callErr == nil {
		if rc != 0 {
			return fmt.Errorf("%s: %w: exit code %d", where, ErrPluginFailed, rc)
		}
		return nil
	}
	var exit *sys.ExitError
	if errors.As(callErr, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded:
			if parent.Err() == nil {
				return fmt.Errorf("%s: %w after %s (limits.timeout; an endless loop, or work that needs a longer timeout)", where, ErrTimeout, timeout)
			}
			return fmt.Errorf("%s: %w", where, parent.Err())
		case sys.ExitCodeContextCanceled:
			return fmt.Errorf("%s: cancelled: %w", where, context.Canceled)
		}
		return fmt.Errorf("%s: %w: the module exited with code %d", where, ErrTrap, exit.ExitCode())
	}
	if cctx.Err() != nil && parent.Err() == nil {
		return fmt.Errorf("%s: %w after %s (limits.timeout): %v", where, ErrTimeout, timeout, callErr)
	}
	if pluginMsg != "" && pluginMsg == callErr.Error() {
		if f, ok := ParseFailure(pluginMsg); ok { // the entry returned a host function's answer: keep its class
			return &ClassError{Code: f.Code, Permanent: PermanentCode(f.Code), Err: fmt.Errorf("%s: %w: %s", where, ErrPluginFailed, f.Message)}
		}
		return fmt.Errorf("%s: %w: %s", where, ErrPluginFailed, pluginMsg)
	}
	msg := callErr.Error()
	if i := strings.Index(msg, "\nwasm stack trace:"); i >= 0 {
		msg = msg[:i]
	}
	if strings.Contains(msg, "wasm error: unreachable") {
		return fmt.Errorf("%s: %w (a panic, or out of memory under limits.memory_pages = %d; its stderr is in the run log): %s", where, ErrTrap, man.Limits.MemoryPages, msg)
	}
	return fmt.Errorf("%s: %w: %s", where, ErrTrap, msg)
}
