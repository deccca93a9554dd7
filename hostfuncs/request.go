package hostfuncs

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive/openapi"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// The raw request (wd_drive_request) is its own capability: "*" does not
// grant it (grant.go), and it reaches only the endpoints below, whose file
// and path arguments the host checks against the path grant exactly as the
// dedicated functions do. Every other endpoint (search, batch, shares, the
// trash, tokens) is refused: it could name or return files outside the
// grant; use the dedicated host function instead.

// rawArg is one checked argument of an endpoint: a file id or an absolute
// drive path, with the operation it needs.
type rawArg struct {
	key  string
	op   DriveOp
	path bool // the value is a drive path, not a file id
}

// rawEndpoint is an allowed endpoint: the body keys it accepts (the json
// names of its openapi request type) and the arguments checked.
type rawEndpoint struct {
	keys map[string]bool
	args []rawArg
}

func endpoint(req any, args ...rawArg) rawEndpoint {
	keys := map[string]bool{}
	t := reflect.TypeOf(req)
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys[name] = true
	}
	return rawEndpoint{keys: keys, args: args}
}

var (
	fileRead   = rawArg{key: "file_id", op: DriveRead}
	fileWrite  = rawArg{key: "file_id", op: DriveWrite}
	fileDelete = rawArg{key: "file_id", op: DriveDelete}
	parentRead = rawArg{key: "parent_file_id", op: DriveRead}
	parentIn   = rawArg{key: "parent_file_id", op: DriveWrite}
	toParentIn = rawArg{key: "to_parent_file_id", op: DriveWrite}
)

// rawEndpoints is the allow-list of wd_drive_request.
var rawEndpoints = map[string]rawEndpoint{
	openapi.PathDriveInfo:         endpoint(struct{}{}),
	openapi.PathSpaceInfo:         endpoint(struct{}{}),
	openapi.PathGet:               endpoint(openapi.FileRequest{}, fileRead),
	openapi.PathGetByPath:         endpoint(openapi.GetByPathRequest{}, rawArg{key: "file_path", op: DriveRead, path: true}),
	openapi.PathList:              endpoint(openapi.ListRequest{}, parentRead),
	openapi.PathGetDownloadURL:    endpoint(openapi.DownloadURLRequest{}, fileRead),
	openapi.PathCreate:            endpoint(openapi.CreateRequest{}, parentIn),
	openapi.PathGetUploadURL:      endpoint(openapi.UploadURLRequest{}, fileWrite),
	openapi.PathListUploadedParts: endpoint(openapi.ListUploadedPartsRequest{}, fileWrite),
	openapi.PathComplete:          endpoint(openapi.CompleteRequest{}, fileWrite),
	openapi.PathUpdate:            endpoint(openapi.UpdateRequest{}, fileWrite),
	openapi.PathMove:              endpoint(openapi.MoveRequest{}, fileWrite, toParentIn),
	openapi.PathCopy:              endpoint(openapi.CopyRequest{}, fileRead, toParentIn),
	openapi.PathTrash:             endpoint(openapi.FileRequest{}, fileDelete),
	openapi.PathDelete:            endpoint(openapi.FileRequest{}, fileDelete),
}

func driveRequest(ctx context.Context, env *Env, in []byte) (res any, err error) {
	var req abi.RawRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	rec := AuditRecord{Op: abi.FnDriveRequest, Target: req.Path}
	defer func() { env.audit(ctx, rec, err) }()
	if err := require("path", req.Path); err != nil {
		return nil, err
	}
	ep, ok := rawEndpoints[req.Path]
	if !ok {
		return nil, denied("drive.request:%s", req.Path)
	}
	body, err := env.checkRawBody(ctx, req.Path, ep, req.Body, &rec)
	if err != nil {
		return nil, err
	}
	defer env.forgetPaths()
	out, err := env.Drive.Request(ctx, req.Path, body)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// checkRawBody checks a raw request's body against ep and the grant and
// returns the body to send: re-encoded from what was checked, so a
// duplicate key or an odd spelling cannot smuggle another value past it.
func (e *Env) checkRawBody(ctx context.Context, path string, ep rawEndpoint, raw json.RawMessage, rec *AuditRecord) (json.RawMessage, error) {
	body := map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&body); err != nil || body == nil {
			return nil, badArg("the body of a raw request to %s must be a JSON object", path)
		}
	}
	for k := range body {
		if !ep.keys[k] {
			return nil, denied("drive.request:%s with %q", path, k)
		}
	}
	if err := e.checkDriveID(ctx, path, body); err != nil {
		return nil, err
	}
	for _, a := range ep.args {
		v, ok := body[a.key].(string)
		if _, present := body[a.key]; present && !ok {
			return nil, badArg("%s of a raw request to %s must be a string", a.key, path)
		}
		if a.path {
			p, err := e.checkPath(a.op, v)
			rec.Paths = append(rec.Paths, nonEmpty(p)...)
			if err != nil {
				return nil, err
			}
			continue
		}
		rec.FileIDs = append(rec.FileIDs, nonEmpty(v)...)
		p, err := e.checkID(ctx, a.op, v)
		rec.Paths = append(rec.Paths, nonEmpty(p)...)
		if err != nil {
			return nil, err
		}
	}
	return json.Marshal(body)
}

// checkDriveID refuses a raw request naming a drive other than the run's
// account's default drive (drive_id, to_drive_id).
func (e *Env) checkDriveID(ctx context.Context, path string, body map[string]any) error {
	var want string
	for _, k := range []string{"drive_id", "to_drive_id"} {
		v, present := body[k]
		if !present {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return badArg("%s of a raw request to %s must be a string", k, path)
		}
		if want == "" {
			info, err := e.Drive.DriveInfo(ctx)
			if err != nil {
				return err
			}
			want = info.DefaultDriveID
		}
		if s != want {
			return denied("drive.request:%s on drive %s", path, s)
		}
	}
	return nil
}
