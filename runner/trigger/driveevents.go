package trigger

import (
	"context"
	"encoding/json"
	"log/slog"
	"path"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
)

// Drive change event kinds. An event is published on
//
//	wasmdrive.drive.<account>.file.<kind>
//
// with a JSON DriveEvent body, so "when a file lands in /inbox, archive it"
// is one trigger: subject wasmdrive.drive.default.file.uploaded (the plugin
// checks ParentPath, or the operator narrows with a wildcard account).
const (
	KindCreated  = "created" // folder created
	KindUploaded = "uploaded"
	KindMoved    = "moved"
	KindCopied   = "copied"
	KindUpdated  = "updated" // renamed, starred...
	KindTrashed  = "trashed"
	KindDeleted  = "deleted"
)

// DriveEventSubject is the subject of a change event.
func DriveEventSubject(account, kind string) string {
	return namespace.DriveEventSubject(account, kind)
}

// DriveEvent is a change on an account's drive made through wasmdrive.
type DriveEvent struct {
	Account    string    `json:"account"`
	Kind       string    `json:"kind"`
	FileID     string    `json:"file_id"`
	Name       string    `json:"name,omitempty"`
	Type       string    `json:"type,omitempty"` // file or folder
	Size       int64     `json:"size,omitempty"`
	ParentID   string    `json:"parent_file_id,omitempty"`
	Path       string    `json:"path,omitempty"`        // absolute path when known
	ParentPath string    `json:"parent_path,omitempty"` // of Path
	FromPath   string    `json:"from_path,omitempty"`   // moved: the old path
	SourceID   string    `json:"source_file_id,omitempty"`
	Time       time.Time `json:"time"`
}

// WatchDrive wraps d so every successful mutation made through it publishes
// a DriveEvent with publish (typically Emitter.Emit on DriveEventSubject).
// It works for every backend, local or Open API; changes made to a drive
// behind wasmdrive's back are not seen. Paths are resolved by walking
// parents (at most 64 levels) when the backend did not report them.
//
// The result implements exactly the optional interfaces of d
// (drive.TrashManager, drive.ShareManager), forwarded to d, and
// drive.Wrapper (see drive.Wrap).
func WatchDrive(d drive.Drive, account string, publish func(ctx context.Context, subject string, data []byte) error, log *slog.Logger) drive.Drive {
	if log == nil {
		log = slog.Default()
	}
	return drive.Wrap(&watched{Drive: d, account: account, publish: publish, log: log}, d)
}

type watched struct {
	drive.Drive
	account string
	publish func(ctx context.Context, subject string, data []byte) error
	log     *slog.Logger
}

func (w *watched) emit(ctx context.Context, kind string, f *drive.File, ev DriveEvent) {
	ev.Account, ev.Kind, ev.Time = w.account, kind, time.Now().UTC()
	if f != nil {
		ev.FileID, ev.Name, ev.Type, ev.Size, ev.ParentID = f.FileID, f.Name, f.Type, f.Size, f.ParentFileID
		ev.Path = f.Path
	}
	if ev.Path == "" && ev.FileID != "" && kind != KindDeleted && kind != KindTrashed {
		ev.Path = w.pathOf(ctx, ev.FileID)
	}
	if ev.Path != "" {
		ev.ParentPath = path.Dir(ev.Path)
	}
	b, _ := json.Marshal(ev)
	if err := w.publish(context.WithoutCancel(ctx), DriveEventSubject(w.account, kind), b); err != nil {
		w.log.Warn("publish drive event", "account", w.account, "kind", kind, "file", ev.FileID, "err", err)
	}
}

func (w *watched) pathOf(ctx context.Context, id string) string {
	var names []string
	for range 64 {
		if id == "" || id == "root" {
			return "/" + path.Join(reverse(names)...)
		}
		f, err := w.Drive.Get(ctx, id)
		if err != nil {
			return ""
		}
		if f.Path != "" {
			return path.Join(append([]string{f.Path}, reverse(names)...)...)
		}
		names = append(names, f.Name)
		id = f.ParentFileID
	}
	return ""
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func (w *watched) CreateFolder(ctx context.Context, parentID, name string, mode drive.CheckNameMode) (*drive.CreateResult, error) {
	r, err := w.Drive.CreateFolder(ctx, parentID, name, mode)
	if err == nil && r != nil && r.File != nil && !r.Exist {
		w.emit(ctx, KindCreated, r.File, DriveEvent{})
	}
	return r, err
}

func (w *watched) Upload(ctx context.Context, req drive.UploadRequest) (*drive.UploadResult, error) {
	r, err := w.Drive.Upload(ctx, req)
	if err == nil && r != nil && r.File != nil {
		w.emit(ctx, KindUploaded, r.File, DriveEvent{})
	}
	return r, err
}

func (w *watched) Update(ctx context.Context, fileID string, opts drive.UpdateOptions) (*drive.File, error) {
	f, err := w.Drive.Update(ctx, fileID, opts)
	if err == nil && f != nil {
		w.emit(ctx, KindUpdated, f, DriveEvent{})
	}
	return f, err
}

func (w *watched) Move(ctx context.Context, fileID, toParentID string, opts drive.MoveOptions) (*drive.MoveResult, error) {
	from := w.pathOf(ctx, fileID)
	r, err := w.Drive.Move(ctx, fileID, toParentID, opts)
	if err == nil && r != nil && !r.Exist {
		w.emit(ctx, KindMoved, &drive.File{FileID: r.FileID, ParentFileID: toParentID}, DriveEvent{FromPath: from})
	}
	return r, err
}

func (w *watched) Copy(ctx context.Context, fileID, toParentID string, opts drive.CopyOptions) (*drive.MoveResult, error) {
	r, err := w.Drive.Copy(ctx, fileID, toParentID, opts)
	if err == nil && r != nil && !r.Exist {
		w.emit(ctx, KindCopied, &drive.File{FileID: r.FileID, ParentFileID: toParentID}, DriveEvent{SourceID: fileID})
	}
	return r, err
}

func (w *watched) Trash(ctx context.Context, fileID string) error {
	p := w.pathOf(ctx, fileID)
	err := w.Drive.Trash(ctx, fileID)
	if err == nil {
		w.emit(ctx, KindTrashed, &drive.File{FileID: fileID, Path: p}, DriveEvent{})
	}
	return err
}

func (w *watched) Delete(ctx context.Context, fileID string) error {
	p := w.pathOf(ctx, fileID)
	err := w.Drive.Delete(ctx, fileID)
	if err == nil {
		w.emit(ctx, KindDeleted, &drive.File{FileID: fileID, Path: p}, DriveEvent{})
	}
	return err
}

func (w *watched) Batch(ctx context.Context, reqs []drive.BatchRequest, opts drive.BatchOptions) ([]drive.BatchResult, error) {
	res, err := w.Drive.Batch(ctx, reqs, opts)
	for i, r := range res {
		if i >= len(reqs) || r.Status < 200 || r.Status > 299 {
			continue
		}
		q := reqs[i]
		kind := map[drive.BatchOp]string{drive.OpCopy: KindCopied, drive.OpMove: KindMoved, drive.OpTrash: KindTrashed, drive.OpDelete: KindDeleted}[q.Op]
		if kind == "" {
			continue
		}
		id := r.FileID
		if id == "" {
			id = q.FileID
		}
		ev := DriveEvent{FileID: id, ParentID: q.ToParentID}
		if q.Op == drive.OpCopy {
			ev.SourceID = q.FileID
		}
		// No path walk per item: a batch may hold 100,000 items.
		ev.Account, ev.Kind, ev.Time = w.account, kind, time.Now().UTC()
		b, _ := json.Marshal(ev)
		if perr := w.publish(context.WithoutCancel(ctx), DriveEventSubject(w.account, kind), b); perr != nil {
			w.log.Warn("publish drive event", "account", w.account, "kind", kind, "err", perr)
		}
	}
	return res, err
}
