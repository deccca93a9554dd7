package abi

import (
	"encoding/json"
	"time"
)

// Empty is the request or result of functions that take or return nothing.
type Empty struct{}

// GetRequest is wd_drive_get's input.
type GetRequest struct {
	FileID string `json:"file_id"`
}

// GetByPathRequest is wd_drive_get_by_path's input; Path is absolute ("/a/b").
type GetByPathRequest struct {
	Path string `json:"path"`
}

// ListRequest is wd_drive_list's input (drive.ListOptions plus Path). Give
// ParentFileID, or Path to list a folder by path. Trash lists the trash
// instead of a folder (backends with a trash manager only).
type ListRequest struct {
	ParentFileID   string `json:"parent_file_id,omitempty"`
	Path           string `json:"path,omitempty"`
	Limit          int    `json:"limit,omitempty"`
	Marker         string `json:"marker,omitempty"`
	OrderBy        string `json:"order_by,omitempty"`
	OrderDirection string `json:"order_direction,omitempty"`
	Type           string `json:"type,omitempty"`
	Category       string `json:"category,omitempty"`
	Trash          bool   `json:"trash,omitempty"`
	// Fields, if set, limits each item to these File fields (JSON names,
	// e.g. ["file_id","name","type"]): less to decode for big listings.
	Fields []string `json:"fields,omitempty"`
}

// SearchRequest is wd_drive_search's input (drive.SearchOptions).
type SearchRequest struct {
	Query       string `json:"query"`
	Limit       int    `json:"limit,omitempty"`
	Marker      string `json:"marker,omitempty"`
	OrderBy     string `json:"order_by,omitempty"`
	ReturnTotal bool   `json:"return_total_count,omitempty"`
	// Fields limits each item to these File fields, as in ListRequest.
	Fields []string `json:"fields,omitempty"`
}

// MkdirRequest is wd_drive_mkdir's input. With Path, every missing folder of
// the absolute path is created (mkdir -p). Otherwise one folder Name is
// created under ParentFileID with CheckNameMode (default refuse: an existing
// folder is returned with exist=true).
type MkdirRequest struct {
	Path          string `json:"path,omitempty"`
	ParentFileID  string `json:"parent_file_id,omitempty"`
	Name          string `json:"name,omitempty"`
	CheckNameMode string `json:"check_name_mode,omitempty"`
}

// RenameRequest is wd_drive_rename's input.
type RenameRequest struct {
	FileID        string `json:"file_id"`
	Name          string `json:"name"`
	CheckNameMode string `json:"check_name_mode,omitempty"`
}

// MoveRequest is wd_drive_move's input.
type MoveRequest struct {
	FileID        string `json:"file_id"`
	ToParentID    string `json:"to_parent_file_id"`
	NewName       string `json:"new_name,omitempty"`
	CheckNameMode string `json:"check_name_mode,omitempty"`
}

// CopyRequest is wd_drive_copy's input.
type CopyRequest struct {
	FileID     string `json:"file_id"`
	ToParentID string `json:"to_parent_file_id"`
	NewName    string `json:"new_name,omitempty"`
	AutoRename bool   `json:"auto_rename,omitempty"`
}

// FileRequest names one file (trash, restore, delete).
type FileRequest struct {
	FileID string `json:"file_id"`
}

// BatchRequest is wd_drive_batch's input: up to MaxBatchItems items, run by
// the host in chunks of ≤ 100 with bounded concurrency.
type BatchRequest struct {
	Items       []BatchItem `json:"items"`
	ChunkSize   int         `json:"chunk_size,omitempty"`
	Concurrency int         `json:"concurrency,omitempty"`
}

// BatchResponse is wd_drive_batch's result: one result per item, in order.
// Items refused by the grant have status 403 and code permission_denied.
type BatchResponse struct {
	Results []BatchItemResult `json:"results"`
}

// UploadRequest is wd_drive_upload's input: the host streams LocalPath (a
// path on the host, inside the plugin's local read grant) to the drive. Give
// ParentFileID or ParentPath (created if missing).
type UploadRequest struct {
	LocalPath     string `json:"local_path"`
	ParentFileID  string `json:"parent_file_id,omitempty"`
	ParentPath    string `json:"parent_path,omitempty"`
	Name          string `json:"name,omitempty"` // default: base name of LocalPath
	CheckNameMode string `json:"check_name_mode,omitempty"`
	ContentHash   string `json:"content_hash,omitempty"` // known SHA-1, skips hashing
	// ResumeKey makes a multipart upload resumable: the host keeps the
	// upload session, with the local file's size and mtime, in the plugin's
	// KV under this key, and a later call with the same key and an
	// unchanged file continues the session instead of starting over. The
	// record is deleted when the upload completes or the drive rejects the
	// session (the upload then starts over; it never fails because of it).
	ResumeKey string `json:"resume_key,omitempty"`
	// PartSize overrides the backend's part size in bytes (0: default).
	PartSize int64 `json:"part_size,omitempty"`
}

// DownloadRequest is wd_drive_download's input: the host writes the file's
// bytes to LocalPath (inside the local write grant). Length < 0 or 0 means
// to the end.
type DownloadRequest struct {
	FileID    string `json:"file_id"`
	LocalPath string `json:"local_path"`
	Offset    int64  `json:"offset,omitempty"`
	Length    int64  `json:"length,omitempty"`
	// Overwrite replaces an existing local file; otherwise already_exists.
	Overwrite bool `json:"overwrite,omitempty"`
	// SHA1, when set, is the hex SHA-1 the downloaded bytes must have: the
	// host checks it before the file replaces LocalPath, and on a mismatch
	// answers an error and leaves LocalPath as it was.
	SHA1 string `json:"sha1,omitempty"`
}

// DownloadResult is wd_drive_download's result.
type DownloadResult struct {
	LocalPath string `json:"local_path"`
	Bytes     int64  `json:"bytes"`
	SHA1      string `json:"sha1"` // upper-case hex of the bytes written
}

// DownloadURLRequest is wd_drive_download_url's input.
type DownloadURLRequest struct {
	FileID        string `json:"file_id"`
	ExpireSeconds int    `json:"expire_sec,omitempty"` // default 900
}

// RawRequest is wd_drive_request's input: a raw authenticated call to any
// drive API path with a JSON body; the result is the raw JSON response.
type RawRequest struct {
	Path string          `json:"path"`
	Body json.RawMessage `json:"body,omitempty"`
}

// ShareRequest is wd_share_create's input (drive.ShareRequest).
type ShareRequest struct {
	FileIDs     []string  `json:"file_id_list"`
	Password    string    `json:"share_pwd,omitempty"`
	Expiration  time.Time `json:"expiration,omitempty"`
	Description string    `json:"description,omitempty"`
}

// ShareListRequest is wd_share_list's input.
type ShareListRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Marker string `json:"marker,omitempty"`
}

// ShareCancelRequest is wd_share_cancel's input.
type ShareCancelRequest struct {
	ShareID string `json:"share_id"`
}

// LocalListRequest is wd_local_list's input: list a host folder (inside the
// local read grant) with sizes and times in one call. Recursive walks the
// whole tree in lexical order of relative paths; a page holds at most
// Limit entries (default and max MaxLocalListEntries) and continues after
// Marker (the last relative path of the previous page).
type LocalListRequest struct {
	Path      string `json:"path"`
	Recursive bool   `json:"recursive,omitempty"`
	Limit     int    `json:"limit,omitempty"`
	Marker    string `json:"marker,omitempty"`
}

// LocalEntry is one host file or folder.
type LocalEntry struct {
	Path    string    `json:"path"` // relative to the listed folder ("/"-separated); absolute for wd_local_stat
	Name    string    `json:"name"`
	Dir     bool      `json:"dir,omitempty"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	// Symlink marks a symbolic link (wd_local_list; never followed there):
	// Size and ModTime are the link's own.
	Symlink bool `json:"symlink,omitempty"`
	// Real is the path with every symbolic link resolved (wd_local_stat).
	Real string `json:"real,omitempty"`
}

// LocalListResult is one page of a local listing.
type LocalListResult struct {
	Entries    []LocalEntry `json:"entries"`
	NextMarker string       `json:"next_marker,omitempty"` // "" when done
}

// LocalPathRequest names one host path (wd_local_stat, wd_local_sha1).
type LocalPathRequest struct {
	Path string `json:"path"`
}

// LocalSHA1Result is wd_local_sha1's result.
type LocalSHA1Result struct {
	SHA1 string `json:"sha1"` // upper-case hex, as drive content hashes
	Size int64  `json:"size"`
}

// KVKeyRequest names one KV key (wd_kv_get, wd_kv_delete).
type KVKeyRequest struct {
	Key string `json:"key"`
}

// KVEntry is a KV value with its revision. Value is base64 in JSON.
type KVEntry struct {
	Key      string `json:"key"`
	Value    []byte `json:"value"`
	Revision uint64 `json:"revision"`
}

// KVPutRequest is wd_kv_put's input. ExpectRevision makes it a
// compare-and-set: 0 = the key must not exist; n = current revision must be
// n; a mismatch fails with code conflict.
type KVPutRequest struct {
	Key            string  `json:"key"`
	Value          []byte  `json:"value"`
	ExpectRevision *uint64 `json:"expect_revision,omitempty"`
}

// KVPutResult is wd_kv_put's result.
type KVPutResult struct {
	Revision uint64 `json:"revision"`
}

// KVListRequest is wd_kv_list's input.
type KVListRequest struct {
	Prefix string `json:"prefix,omitempty"`
}

// KVListResult is wd_kv_list's result, sorted.
type KVListResult struct {
	Keys []string `json:"keys"`
}

// Log levels of wd_log.
const (
	LevelDebug = "debug"
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"
)

// LogRequest is wd_log's input.
type LogRequest struct {
	Level  string         `json:"level,omitempty"` // default info
	Msg    string         `json:"msg"`
	Fields map[string]any `json:"fields,omitempty"`
}

// ProgressRequest is wd_progress's input.
type ProgressRequest struct {
	Done  int64  `json:"done"`
	Total int64  `json:"total"`
	Unit  string `json:"unit,omitempty"`
	Note  string `json:"note,omitempty"`
}

// EmitRequest is wd_emit's input: publish Data (any JSON value) on Subject.
type EmitRequest struct {
	Subject string            `json:"subject"`
	Data    json.RawMessage   `json:"data,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// NowResult is wd_now's result.
type NowResult struct {
	UnixNano int64     `json:"unix_nano"`
	Time     time.Time `json:"time"`
}

// SleepRequest is wd_sleep's input; the sleep ends early (code cancelled or
// timeout) when the call is cancelled.
type SleepRequest struct {
	Millis int64 `json:"ms"`
}

// RunInfo is wd_run_info's result.
type RunInfo struct {
	Plugin     string `json:"plugin"`
	Version    string `json:"version"`
	Hash       string `json:"hash,omitempty"`
	RunID      string `json:"run_id"`
	Account    string `json:"account,omitempty"`
	ABIVersion string `json:"abi_version"`
}
