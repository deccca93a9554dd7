package hostfuncs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"

	"github.com/wasmdrive/wasmdrive/drive"
)

// decode unmarshals a JSON request; an empty request leaves v zero.
func decode(in []byte, v any) error {
	if len(in) == 0 {
		return nil
	}
	if err := json.Unmarshal(in, v); err != nil {
		return badArg("decode request: %v", err)
	}
	return nil
}

// require fails with invalid_argument when a required field is empty.
func require(field, value string) error {
	if value == "" {
		return badArg("%s is required", field)
	}
	return nil
}

// maxPathDepth bounds parent walks when resolving a file id to its path.
const maxPathDepth = 512

// pathOf returns the absolute drive path of file id, walking parents (and
// caching) when the backend does not report paths.
func (e *Env) pathOf(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", badArg("file_id is required")
	}
	if id == drive.RootID {
		return "/", nil
	}
	if p, ok := e.cachedPath(id); ok {
		return p, nil
	}
	f, err := e.Drive.Get(ctx, id)
	if err != nil {
		return "", fmt.Errorf("resolve path of %s: %w", id, err)
	}
	return e.filePath(ctx, f, 0)
}

// filePath returns f's absolute path.
func (e *Env) filePath(ctx context.Context, f *drive.File, depth int) (string, error) {
	if f.Path != "" {
		return path.Clean(f.Path), nil
	}
	if depth > maxPathDepth {
		return "", fmt.Errorf("resolve path of %s: deeper than %d folders", f.FileID, maxPathDepth)
	}
	var parent string
	switch pid := f.ParentFileID; {
	case pid == "" || pid == drive.RootID:
		parent = "/"
	default:
		if p, ok := e.cachedPath(pid); ok {
			parent = p
			break
		}
		pf, err := e.Drive.Get(ctx, pid)
		if err != nil {
			return "", fmt.Errorf("resolve path of %s: %w", f.FileID, err)
		}
		if parent, err = e.filePath(ctx, pf, depth+1); err != nil {
			return "", err
		}
	}
	p := path.Join(parent, f.Name)
	e.storePath(f.FileID, p)
	return p, nil
}

func (e *Env) cachedPath(id string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.paths[id]
	return p, ok
}

func (e *Env) storePath(id, p string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.paths == nil || len(e.paths) > 100000 {
		e.paths = make(map[string]string)
	}
	e.paths[id] = p
}

// forgetPaths drops the path cache after a move, rename or removal.
func (e *Env) forgetPaths() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.paths)
}

// checkID checks op on file id; it resolves the id's path only when the
// grant does not cover the whole drive. It returns the path when known (for
// the audit record; a refusal never shows it to the plugin). Under a
// restricted grant an id that does not exist is refused like one outside the
// grant, so refusals tell the plugin nothing about files it cannot see.
func (e *Env) checkID(ctx context.Context, op DriveOp, id string) (string, error) {
	if id == "" {
		return "", badArg("file_id is required")
	}
	if e.Grant.DriveAll(op) {
		return "", nil
	}
	if !e.Grant.DriveAny(op) {
		return "", deniedID(op, id, "")
	}
	p, err := e.pathOf(ctx, id)
	if err != nil {
		return "", e.hideMissing(op, id, err)
	}
	if e.Grant.CheckDrive(op, p) != nil {
		return p, deniedID(op, id, p)
	}
	return p, nil
}

// checkFile checks op on a file already fetched.
func (e *Env) checkFile(ctx context.Context, op DriveOp, f *drive.File) error {
	if e.Grant.DriveAll(op) {
		return nil
	}
	if !e.Grant.DriveAny(op) {
		return deniedID(op, f.FileID, "")
	}
	p, err := e.filePath(ctx, f, 0)
	if err != nil {
		return e.hideMissing(op, f.FileID, err)
	}
	if e.Grant.CheckDrive(op, p) != nil {
		return deniedID(op, f.FileID, p)
	}
	return nil
}

// hideMissing turns the not-found error of looking up id into the refusal
// an existing file outside the grant gets, unless the grant covers the whole
// drive or id was last seen inside the grant (a granted file deleted since
// stays not_found).
func (e *Env) hideMissing(op DriveOp, id string, err error) error {
	if !errors.Is(err, drive.ErrNotFound) || e.Grant.DriveAll(op) {
		return err
	}
	if p, ok := e.cachedPath(id); ok && e.Grant.CheckDrive(op, p) == nil {
		return err
	}
	return deniedID(op, id, "")
}

// deniedID is the refusal of op on file id. It names the id the plugin
// passed, never the path it resolved to (kept for the audit log).
func deniedID(op DriveOp, id, resolved string) error {
	return &PermissionError{Capability: fmt.Sprintf("drive.%s:%s", op, id), Path: resolved}
}

// checkPath cleans and checks an absolute drive path.
func (e *Env) checkPath(op DriveOp, p string) (string, error) {
	c, err := CleanDrivePath(p)
	if err != nil {
		return "", badArg("%v", err)
	}
	return c, e.Grant.CheckDrive(op, c)
}

// audit writes one audit record for a drive mutation or a refusal (rec.Op
// set) with the outcome err, and marks the call audited (auditDenial). A failing audit log is reported to the run's log and slog;
// the mutation has already happened.
func (e *Env) audit(ctx context.Context, rec AuditRecord, err error) {
	markAudited(ctx)
	if e.Audit == nil {
		return
	}
	rec.Time = e.now().UTC()
	rec.Plugin, rec.Version, rec.Hash = e.Plugin, e.Version, e.Hash
	rec.RunID, rec.Account = e.RunID, e.Account
	rec.Result = "ok"
	if err != nil {
		rec.Result = Code(err)
		rec.Message = err.Error()
	}
	if aerr := e.Audit.Append(rec); aerr != nil {
		slog.ErrorContext(ctx, "audit log write failed", "err", aerr, "plugin", e.Plugin, "run_id", e.RunID, "op", rec.Op)
		e.hostLog(LevelError, "audit log write failed: "+aerr.Error())
	}
}

// hostLog writes a host-originated line to the run's log.
func (e *Env) hostLog(level Level, msg string) {
	if e.Sink == nil {
		return
	}
	e.Sink.Log(LogLine{RunID: e.RunID, Time: e.now(), Level: level, Source: "host", Msg: msg})
}

// nonEmpty returns the non-empty strings of vs.
func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
