package hostfuncs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	extism "github.com/extism/go-sdk"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// handler serves one host function: in is the raw JSON request (a view of
// guest memory valid only until the handler first writes to the plugin, so
// it must be decoded first); the result is JSON-encoded into the envelope.
type handler func(ctx context.Context, env *Env, in []byte) (any, error)

// table maps every abi function name to its handler.
var table = map[string]handler{
	abi.FnDriveInfo:        driveInfo,
	abi.FnDriveSpace:       driveSpace,
	abi.FnDriveGet:         driveGet,
	abi.FnDriveGetByPath:   driveGetByPath,
	abi.FnDriveList:        driveList,
	abi.FnDriveSearch:      driveSearch,
	abi.FnDriveMkdir:       driveMkdir,
	abi.FnDriveRename:      driveRename,
	abi.FnDriveMove:        driveMove,
	abi.FnDriveCopy:        driveCopy,
	abi.FnDriveTrash:       driveTrash,
	abi.FnDriveRestore:     driveRestore,
	abi.FnDriveDelete:      driveDelete,
	abi.FnDriveBatch:       driveBatch,
	abi.FnDriveUpload:      driveUpload,
	abi.FnDriveDownload:    driveDownload,
	abi.FnDriveDownloadURL: driveDownloadURL,
	abi.FnDriveRequest:     driveRequest,
	abi.FnShareCreate:      shareCreate,
	abi.FnShareList:        shareList,
	abi.FnShareCancel:      shareCancel,
	abi.FnLocalList:        localList,
	abi.FnLocalStat:        localStat,
	abi.FnLocalSHA1:        localSHA1,
	abi.FnKVGet:            kvGet,
	abi.FnKVPut:            kvPut,
	abi.FnKVDelete:         kvDelete,
	abi.FnKVList:           kvList,
	abi.FnLog:              logLine,
	abi.FnProgress:         progress,
	abi.FnEmit:             emit,
	abi.FnConfig:           config,
	abi.FnNow:              now,
	abi.FnSleep:            sleep,
	abi.FnRunInfo:          runInfo,
	abi.FnDriveUploadMany:  driveUploadMany,
	abi.FnLocalScan:        localScan,
}

// mutating lists the functions that change the drive; each call (and each
// refusal) writes an audit record.
var mutating = map[string]bool{
	abi.FnDriveMkdir: true, abi.FnDriveRename: true, abi.FnDriveMove: true,
	abi.FnDriveCopy: true, abi.FnDriveTrash: true, abi.FnDriveRestore: true,
	abi.FnDriveDelete: true, abi.FnDriveBatch: true, abi.FnDriveUpload: true,
	abi.FnDriveRequest: true, abi.FnShareCreate: true, abi.FnShareCancel: true,
	abi.FnDriveUploadMany: true,
}

// needsDrive reports whether host function name uses Env.Drive.
func needsDrive(name string) bool {
	return strings.HasPrefix(name, "wd_drive_") || strings.HasPrefix(name, "wd_share_")
}

// Functions returns every wasmdrive host function, for
// extism.NewCompiledPlugin. They read the per-call *Env from the context
// (WithEnv); a call without one answers an internal error.
func Functions() []extism.HostFunction {
	out := make([]extism.HostFunction, 0, len(abi.Functions)+1)
	for _, name := range abi.Functions {
		h := table[name]
		if h == nil {
			panic("hostfuncs: no handler for " + name)
		}
		out = append(out, newHostFunction(name, h))
	}
	return append(out, fastCall())
}

func newHostFunction(name string, h handler) extism.HostFunction {
	fn := extism.NewHostFunctionWithStack(name,
		func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
			stack[0] = serve(ctx, p, name, h, stack[0])
		},
		[]extism.ValueType{extism.ValueTypePTR}, []extism.ValueType{extism.ValueTypePTR})
	fn.SetNamespace(abi.Namespace)
	return fn
}

// serve runs one host call end to end and returns the envelope's offset.
func serve(ctx context.Context, p *extism.CurrentPlugin, name string, h handler, off uint64) uint64 {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	env := EnvFrom(ctx)
	if env == nil {
		err := fmt.Errorf("host function %s called without an environment (runner bug: use hostfuncs.WithEnv)", name)
		encodeEnvelope(buf, nil, err)
		out, werr := p.WriteBytes(buf.Bytes())
		if werr != nil {
			panic(fmt.Errorf("host function %s: write result: %w", name, werr))
		}
		return out
	}
	k, err := env.kernelFor(ctx)
	if err != nil {
		panic(fmt.Errorf("host function %s: %w", name, err))
	}
	var res any
	var in []byte
	if off != 0 {
		in, err = k.read(ctx, off, abi.MaxRequestBytes)
	}
	if err == nil {
		res, err = invoke(ctx, env, name, h, in)
	}
	encodeEnvelope(buf, res, err)
	out, err := k.write(ctx, buf.Bytes())
	if err != nil {
		// The plugin's memory is exhausted or broken: trap the call.
		panic(fmt.Errorf("host function %s: write result: %w", name, err))
	}
	return out
}

// invoke checks the function grant and runs h. Every refusal is audited:
// by the handler of a mutating function, else here.
func invoke(ctx context.Context, env *Env, name string, h handler, in []byte) (any, error) {
	if err := env.Grant.CheckFunction(name); err != nil {
		env.auditDenial(ctx, name, err)
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if env.Drive == nil && needsDrive(name) {
		return nil, fmt.Errorf("%s: no drive account is bound to this run: %w", name, errUnavailable)
	}
	ctx, mark := withAuditMark(ctx)
	res, err := h(ctx, env, in)
	if err != nil && errors.Is(err, ErrPermission) && !mark.done.Load() {
		env.auditDenial(ctx, name, err)
	}
	env.checkDiskFull(err)
	return res, err
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 64<<10 {
		bufPool.Put(b)
	}
}

var (
	okPrefix  = []byte(`{"ok":true,"result":`)
	okNoValue = []byte(`{"ok":true}`)
)

// encodeEnvelope writes the envelope for (res, err) to buf.
func encodeEnvelope(buf *bytes.Buffer, res any, err error) {
	buf.Reset()
	if err == nil {
		if res == nil {
			buf.Write(okNoValue)
			return
		}
		buf.Write(okPrefix)
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err = enc.Encode(res); err == nil {
			buf.WriteByte('}')
			return
		}
		buf.Reset()
		err = fmt.Errorf("encode result: %w", err)
	}
	env := abi.Envelope{Error: ToABIError(err)}
	b, _ := json.Marshal(env) // cannot fail: strings and a bool
	buf.Write(b)
}
