package hostfuncs

import (
	"context"
	"fmt"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// The mutating drive functions. Each checks the grant, calls the drive with
// the call's context and writes one audit record (also when refused).

func driveMkdir(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.MkdirRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnDriveMkdir}
	defer func() { env.audit(ctx, rec, err) }()
	if req.Path != "" {
		p, err := env.checkPath(DriveWrite, req.Path)
		rec.Paths = []string{p}
		if err != nil {
			return nil, err
		}
		f, err := env.Drive.MkdirAll(ctx, p)
		if err != nil {
			return nil, err
		}
		rec.FileIDs = []string{f.FileID}
		return &drive.CreateResult{File: f}, nil
	}
	if err := require("name (or path)", req.Name); err != nil {
		return nil, err
	}
	parent := req.ParentFileID
	if parent == "" {
		parent = drive.RootID
	}
	rec.Target = parent
	dir, err := env.checkID(ctx, DriveWrite, parent)
	if dir != "" {
		rec.Paths = []string{joinPath(dir, req.Name)}
	}
	if err != nil {
		return nil, err
	}
	mode := drive.CheckNameMode(req.CheckNameMode)
	if mode == "" {
		mode = drive.NameRefuse
	}
	cr, err := env.Drive.CreateFolder(ctx, parent, req.Name, mode)
	if err != nil {
		return nil, err
	}
	if cr.File != nil {
		rec.FileIDs = []string{cr.File.FileID}
	}
	return cr, nil
}

func driveRename(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.RenameRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnDriveRename, FileIDs: nonEmpty(req.FileID), Target: req.Name}
	defer func() { env.audit(ctx, rec, err) }()
	if err := require("name", req.Name); err != nil {
		return nil, err
	}
	p, err := env.checkID(ctx, DriveWrite, req.FileID)
	rec.Paths = nonEmpty(p)
	if err != nil {
		return nil, err
	}
	defer env.forgetPaths()
	return env.Drive.Update(ctx, req.FileID, drive.UpdateOptions{Name: &req.Name,
		CheckNameMode: drive.CheckNameMode(req.CheckNameMode)})
}

func driveMove(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.MoveRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnDriveMove, FileIDs: nonEmpty(req.FileID), Target: req.ToParentID}
	defer func() { env.audit(ctx, rec, err) }()
	if err := require("to_parent_file_id", req.ToParentID); err != nil {
		return nil, err
	}
	src, dst, err := env.checkTransfer(ctx, DriveWrite, req.FileID, req.ToParentID)
	rec.Paths = nonEmpty(src, dst)
	if err != nil {
		return nil, err
	}
	defer env.forgetPaths()
	return env.Drive.Move(ctx, req.FileID, req.ToParentID, drive.MoveOptions{NewName: req.NewName,
		CheckNameMode: drive.CheckNameMode(req.CheckNameMode)})
}

func driveCopy(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.CopyRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnDriveCopy, FileIDs: nonEmpty(req.FileID), Target: req.ToParentID}
	defer func() { env.audit(ctx, rec, err) }()
	if err := require("to_parent_file_id", req.ToParentID); err != nil {
		return nil, err
	}
	src, dst, err := env.checkTransfer(ctx, DriveRead, req.FileID, req.ToParentID)
	rec.Paths = nonEmpty(src, dst)
	if err != nil {
		return nil, err
	}
	return env.Drive.Copy(ctx, req.FileID, req.ToParentID, drive.CopyOptions{NewName: req.NewName,
		AutoRename: req.AutoRename})
}

// checkTransfer checks a move (srcOp write) or copy (srcOp read) of id into
// folder to (always write), returning the paths it resolved.
func (e *Env) checkTransfer(ctx context.Context, srcOp DriveOp, id, to string) (string, string, error) {
	src, err := e.checkID(ctx, srcOp, id)
	if err != nil {
		return src, "", err
	}
	dst, err := e.checkID(ctx, DriveWrite, to)
	return src, dst, err
}

func driveTrash(ctx context.Context, env *Env, in []byte) (any, error) {
	return removeFile(ctx, env, in, abi.FnDriveTrash, env.Drive.Trash)
}

func driveDelete(ctx context.Context, env *Env, in []byte) (any, error) {
	return removeFile(ctx, env, in, abi.FnDriveDelete, env.Drive.Delete)
}

func removeFile(ctx context.Context, env *Env, in []byte, op string, do func(context.Context, string) error) (res any, err error) {
	var req abi.FileRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: op, FileIDs: nonEmpty(req.FileID)}
	defer func() { env.audit(ctx, rec, err) }()
	if req.FileID == drive.RootID {
		return nil, badArg("the root folder cannot be removed")
	}
	p, err := env.checkID(ctx, DriveDelete, req.FileID)
	rec.Paths = nonEmpty(p)
	if err != nil {
		return nil, err
	}
	defer env.forgetPaths()
	return nil, do(ctx, req.FileID)
}

func driveRestore(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.FileRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnDriveRestore, FileIDs: nonEmpty(req.FileID)}
	defer func() { env.audit(ctx, rec, err) }()
	tm, ok := env.Drive.(drive.TrashManager)
	if !ok {
		return nil, fmt.Errorf("restore: %w", drive.ErrUnsupported)
	}
	p, err := env.checkID(ctx, DriveWrite, req.FileID)
	rec.Paths = nonEmpty(p)
	if err != nil {
		return nil, err
	}
	defer env.forgetPaths()
	return nil, tm.Restore(ctx, req.FileID)
}
