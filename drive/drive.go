// Package drive defines the Drive interface that every cloud-drive backend
// implements, and the wire-level types shared by all backends.
//
// Field names and JSON tags follow the Aliyun Drive Open Platform API
// (openapi.alipan.com, /adrive/v1.0/...), so a File decoded from the real
// service, from drive/local's HTTP server, or built in process is the same
// value. Backends: drive/local (embedded, SQLite + content-addressed blobs)
// and drive/aliyun (the Open API client). drive/drivetest is the contract
// suite both pass.
package drive

import (
	"context"
	"encoding/json"
	"io"
	"time"
)

// RootID is the file id of a drive's root folder.
const RootID = "root"

// File types.
const (
	TypeFile   = "file"
	TypeFolder = "folder"
)

// MaxBatchChunk is the most items one batch chunk carries; Drive.Batch splits
// larger batches into chunks of at most this size.
const MaxBatchChunk = 100

// File is a file or folder on a drive.
type File struct {
	DriveID         string    `json:"drive_id"`
	FileID          string    `json:"file_id"`
	ParentFileID    string    `json:"parent_file_id"`
	Name            string    `json:"name"`
	Type            string    `json:"type"` // TypeFile or TypeFolder
	Size            int64     `json:"size"`
	ContentHash     string    `json:"content_hash,omitempty"`      // SHA-1, upper-case hex
	ContentHashName string    `json:"content_hash_name,omitempty"` // "sha1"
	Category        string    `json:"category,omitempty"`          // image, video, audio, doc, zip, app, others
	FileExtension   string    `json:"file_extension,omitempty"`
	Status          string    `json:"status,omitempty"` // "available" or "uploading"
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Trashed         bool      `json:"trashed,omitempty"`
	Starred         bool      `json:"starred,omitempty"`
	URL             string    `json:"url,omitempty"`
	// Path is the absolute path of the file when the backend knows it cheaply
	// (GetByPath, walks). It is not part of the Open API object.
	Path string `json:"path,omitempty"`
}

// IsFolder reports whether f is a folder.
func (f *File) IsFolder() bool { return f.Type == TypeFolder }

// DriveInfo describes the account and its drives (/adrive/v1.0/user/getDriveInfo).
type DriveInfo struct {
	UserID          string `json:"user_id"`
	Name            string `json:"name"`
	DefaultDriveID  string `json:"default_drive_id"`
	ResourceDriveID string `json:"resource_drive_id,omitempty"`
	BackupDriveID   string `json:"backup_drive_id,omitempty"`
}

// SpaceInfo is the used and total space in bytes (/adrive/v1.0/user/getSpaceInfo).
type SpaceInfo struct {
	UsedSize  int64 `json:"used_size"`
	TotalSize int64 `json:"total_size"`
}

// CheckNameMode says what to do when a name already exists in the target folder.
type CheckNameMode string

// Name modes of the Open API.
const (
	// NameRefuse does not create anything; the call succeeds with Exist=true
	// and the existing file's id (the Open API's behaviour, used for mkdir -p).
	NameRefuse CheckNameMode = "refuse"
	// NameAutoRename picks "name(1).ext", "name(2).ext", ...
	NameAutoRename CheckNameMode = "auto_rename"
	// NameIgnore allows duplicate names in one folder.
	NameIgnore CheckNameMode = "ignore"
	// NameOverwrite replaces an existing file of that name (a local-drive and
	// client extension; the Open API emulates it by trash + create).
	NameOverwrite CheckNameMode = "overwrite"
)

// ListOptions selects a page of a folder listing (or of the trash).
type ListOptions struct {
	ParentFileID   string `json:"parent_file_id"`
	Limit          int    `json:"limit,omitempty"`           // default 50, max 100 (Open API); local allows up to 1000
	Marker         string `json:"marker,omitempty"`          // from the previous page's NextMarker
	OrderBy        string `json:"order_by,omitempty"`        // name, created_at, updated_at, size, name_enhanced
	OrderDirection string `json:"order_direction,omitempty"` // ASC or DESC
	Type           string `json:"type,omitempty"`            // file, folder, all
	Category       string `json:"category,omitempty"`
}

// ListResult is one page of files.
type ListResult struct {
	Items      []*File `json:"items"`
	NextMarker string  `json:"next_marker"`
	TotalCount int64   `json:"total_count,omitempty"`
}

// SearchOptions is a search in the Open API query language, e.g.
//
//	name match "report" and file_extension = "pdf" and size > 1024
type SearchOptions struct {
	Query       string `json:"query"`
	Limit       int    `json:"limit,omitempty"`
	Marker      string `json:"marker,omitempty"`
	OrderBy     string `json:"order_by,omitempty"` // "created_at ASC" form
	ReturnTotal bool   `json:"return_total_count,omitempty"`
}

// CreateResult is the answer to a folder (or file) creation.
type CreateResult struct {
	File  *File `json:"file"`
	Exist bool  `json:"exist"` // the name existed and NameRefuse returned it
}

// UpdateOptions changes a file's name or star; nil fields are left alone.
type UpdateOptions struct {
	Name          *string       `json:"name,omitempty"`
	Starred       *bool         `json:"starred,omitempty"`
	CheckNameMode CheckNameMode `json:"check_name_mode,omitempty"`
}

// MoveOptions tunes a move.
type MoveOptions struct {
	NewName       string        `json:"new_name,omitempty"`
	CheckNameMode CheckNameMode `json:"check_name_mode,omitempty"` // default refuse
}

// CopyOptions tunes a copy.
type CopyOptions struct {
	NewName    string `json:"new_name,omitempty"`
	AutoRename bool   `json:"auto_rename,omitempty"`
}

// MoveResult is the result of a move or copy.
type MoveResult struct {
	FileID string `json:"file_id"`
	Exist  bool   `json:"exist,omitempty"`
}

// BatchOp names a batch operation.
type BatchOp string

// Batch operations.
const (
	OpCopy   BatchOp = "copy"
	OpMove   BatchOp = "move"
	OpTrash  BatchOp = "trash"
	OpDelete BatchOp = "delete"
)

// BatchRequest is one item of a batch.
type BatchRequest struct {
	ID         string  `json:"id,omitempty"` // caller's id for the item; defaults to its index
	Op         BatchOp `json:"op"`
	FileID     string  `json:"file_id"`
	ToParentID string  `json:"to_parent_file_id,omitempty"` // copy, move
	NewName    string  `json:"new_name,omitempty"`
	// CheckNameMode for copy/move; default refuse (move) / auto_rename (copy).
	CheckNameMode CheckNameMode `json:"check_name_mode,omitempty"`
}

// BatchResult is the outcome of one batch item, in request order.
type BatchResult struct {
	ID     string `json:"id"`
	Status int    `json:"status"`            // HTTP-style: 200, 201, 204, 404, 409...
	FileID string `json:"file_id,omitempty"` // the new file (copy) or the moved file
	Error  *Error `json:"error,omitempty"`
}

// BatchOptions tunes Batch.
type BatchOptions struct {
	ChunkSize   int // ≤ MaxBatchChunk; default MaxBatchChunk
	Concurrency int // parallel single calls per chunk for backends without a batch endpoint; default 4
	// Progress, if set, is called after each chunk with items done so far.
	Progress func(done, total int)
}

// UploadRequest describes one file upload. Content is read with ReadAt so the
// client can hash, prove and send parts without buffering the file.
type UploadRequest struct {
	ParentFileID  string        `json:"parent_file_id"`
	Name          string        `json:"name"`
	Size          int64         `json:"size"`
	Content       io.ReaderAt   `json:"-"`
	CheckNameMode CheckNameMode `json:"check_name_mode,omitempty"` // default refuse... see backend docs; backup uses overwrite
	// ContentHash may be given when the caller already knows the SHA-1 (upper
	// or lower hex); the backend then skips hashing.
	ContentHash string `json:"content_hash,omitempty"`
	// PartSize overrides the part size (default 10 MiB, grown so a file has
	// at most 10,000 parts).
	PartSize int64 `json:"part_size,omitempty"`
	// Resume continues an earlier upload session instead of starting one.
	Resume *UploadSession `json:"resume,omitempty"`
	// OnSession is called once a multipart session exists, so the caller can
	// persist it and resume after a crash.
	OnSession func(UploadSession) `json:"-"`
	// Progress is called with body bytes sent so far.
	Progress func(sent int64) `json:"-"`
	// LocalModifiedAt is sent as local_modified_at when non-zero.
	LocalModifiedAt time.Time `json:"local_modified_at,omitempty"`
}

// UploadSession identifies an unfinished multipart upload.
type UploadSession struct {
	FileID   string `json:"file_id"`
	UploadID string `json:"upload_id"`
	PartSize int64  `json:"part_size"`
	Size     int64  `json:"size"`
}

// UploadResult is a finished upload.
type UploadResult struct {
	File        *File `json:"file"`
	RapidUpload bool  `json:"rapid_upload"` // content was already on the drive: no body bytes sent
	BytesSent   int64 `json:"bytes_sent"`
	Resumed     bool  `json:"resumed,omitempty"`
}

// DownloadURL is a time-limited download link.
type DownloadURL struct {
	URL         string    `json:"url"`
	Expiration  time.Time `json:"expiration"`
	Method      string    `json:"method"`
	Size        int64     `json:"size"`
	ContentHash string    `json:"content_hash,omitempty"`
	// Streams are the parts of a live photo (.livp) by format ("heic",
	// "jpeg", "mov"), which the service answers instead of one url; URL is
	// then the still image's and Size 0 (unknown).
	Streams map[string]string `json:"streams_url,omitempty"`
}

// ShareRequest creates a share link.
type ShareRequest struct {
	FileIDs     []string  `json:"file_id_list"`
	Password    string    `json:"share_pwd,omitempty"`  // 0–64 chars
	Expiration  time.Time `json:"expiration,omitempty"` // zero: permanent
	Description string    `json:"description,omitempty"`
}

// Share is a share link.
type Share struct {
	ShareID     string    `json:"share_id"`
	ShareURL    string    `json:"share_url"`
	Password    string    `json:"share_pwd,omitempty"`
	FileIDs     []string  `json:"file_id_list"`
	Expiration  time.Time `json:"expiration,omitempty"`
	Expired     bool      `json:"expired"`
	Status      string    `json:"status"` // enabled, canceled
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// ShareList is a page of shares.
type ShareList struct {
	Items      []*Share `json:"items"`
	NextMarker string   `json:"next_marker"`
}

// Drive is a cloud drive: one account's default drive. All methods are safe
// for concurrent use. Errors a caller may branch on are *Error values that
// match the sentinels in errors.go with errors.Is.
type Drive interface {
	DriveInfo(ctx context.Context) (*DriveInfo, error)
	SpaceInfo(ctx context.Context) (*SpaceInfo, error)

	Get(ctx context.Context, fileID string) (*File, error)
	// GetByPath resolves an absolute path ("/a/b.txt"; "/" is the root).
	GetByPath(ctx context.Context, path string) (*File, error)
	List(ctx context.Context, opts ListOptions) (*ListResult, error)
	Search(ctx context.Context, opts SearchOptions) (*ListResult, error)

	CreateFolder(ctx context.Context, parentID, name string, mode CheckNameMode) (*CreateResult, error)
	// MkdirAll creates every missing folder of an absolute path and returns the last.
	MkdirAll(ctx context.Context, path string) (*File, error)
	Update(ctx context.Context, fileID string, opts UpdateOptions) (*File, error)
	Move(ctx context.Context, fileID, toParentID string, opts MoveOptions) (*MoveResult, error)
	Copy(ctx context.Context, fileID, toParentID string, opts CopyOptions) (*MoveResult, error)
	Trash(ctx context.Context, fileID string) error
	Delete(ctx context.Context, fileID string) error

	// Batch runs reqs in chunks of ≤ MaxBatchChunk and returns one result per
	// request, in order. Item failures are results, not errors; the error is
	// for the batch as a whole (context cancelled, auth lost).
	Batch(ctx context.Context, reqs []BatchRequest, opts BatchOptions) ([]BatchResult, error)

	Upload(ctx context.Context, req UploadRequest) (*UploadResult, error)
	DownloadURL(ctx context.Context, fileID string, expire time.Duration) (*DownloadURL, error)
	// Download streams bytes [offset, offset+length) of a file; length < 0 means to the end.
	Download(ctx context.Context, fileID string, offset, length int64) (io.ReadCloser, error)

	CreateShare(ctx context.Context, req ShareRequest) (*Share, error)

	// Request is a raw authenticated call to any API path ("/adrive/v1.0/...")
	// with a JSON body; it returns the JSON response body.
	Request(ctx context.Context, path string, body json.RawMessage) (json.RawMessage, error)
}

// TrashManager is implemented by backends that can list and restore trashed
// files (the local drive; the web API; not the public Open API).
type TrashManager interface {
	ListTrash(ctx context.Context, opts ListOptions) (*ListResult, error)
	Restore(ctx context.Context, fileID string) error
}

// ShareManager is implemented by backends that can list and cancel shares.
type ShareManager interface {
	ListShares(ctx context.Context, opts ListOptions) (*ShareList, error)
	CancelShare(ctx context.Context, shareID string) error
}
