// Package abi is the wire contract between the wasmdrive host and its Wasm
// plugins: the host module namespace, every host function's name, the JSON
// request and result shapes, and the response envelope with its stable error
// codes.
//
// It is a leaf package (standard library only) imported by both sides: the
// host's hostfuncs package and the guest sdk package (GOOS=wasip1). The wire
// structs mirror the host's drive types by JSON shape (identical tags) but do
// not import them. sdk/ABI.md documents the same contract for authors of
// plugins in other languages.
package abi

import (
	"encoding/json"
	"fmt"
)

// Namespace is the Wasm import module of every wasmdrive host function
// (extism's user namespace).
const Namespace = "extism:host/user"

// Version is the ABI version; a plugin may read it from RunInfo.
const Version = "1"

// Host function names. Each takes one i64 (an extism memory offset holding
// the JSON request; 0 or an empty block for "no input") and returns one i64
// (an extism memory offset holding the JSON Envelope; the guest frees it).
const (
	FnDriveInfo        = "wd_drive_info"         // DriveInfoRequest → DriveInfo
	FnDriveSpace       = "wd_drive_space"        // Empty → SpaceInfo
	FnDriveGet         = "wd_drive_get"          // GetRequest → File
	FnDriveGetByPath   = "wd_drive_get_by_path"  // GetByPathRequest → File
	FnDriveList        = "wd_drive_list"         // ListRequest → ListResult
	FnDriveSearch      = "wd_drive_search"       // SearchRequest → ListResult
	FnDriveMkdir       = "wd_drive_mkdir"        // MkdirRequest → CreateResult
	FnDriveRename      = "wd_drive_rename"       // RenameRequest → File
	FnDriveMove        = "wd_drive_move"         // MoveRequest → MoveResult
	FnDriveCopy        = "wd_drive_copy"         // CopyRequest → MoveResult
	FnDriveTrash       = "wd_drive_trash"        // FileRequest → Empty
	FnDriveRestore     = "wd_drive_restore"      // FileRequest → Empty
	FnDriveDelete      = "wd_drive_delete"       // FileRequest → Empty
	FnDriveBatch       = "wd_drive_batch"        // BatchRequest → BatchResponse
	FnDriveUpload      = "wd_drive_upload"       // UploadRequest → UploadResult
	FnDriveDownload    = "wd_drive_download"     // DownloadRequest → DownloadResult
	FnDriveDownloadURL = "wd_drive_download_url" // DownloadURLRequest → DownloadURL
	FnDriveRequest     = "wd_drive_request"      // RawRequest → raw JSON
	FnShareCreate      = "wd_share_create"       // ShareRequest → Share
	FnShareList        = "wd_share_list"         // ShareListRequest → ShareList
	FnShareCancel      = "wd_share_cancel"       // ShareCancelRequest → Empty
	FnLocalList        = "wd_local_list"         // LocalListRequest → LocalListResult
	FnLocalStat        = "wd_local_stat"         // LocalPathRequest → LocalEntry
	FnLocalSHA1        = "wd_local_sha1"         // LocalPathRequest → LocalSHA1Result
	FnKVGet            = "wd_kv_get"             // KVKeyRequest → KVEntry
	FnKVPut            = "wd_kv_put"             // KVPutRequest → KVPutResult
	FnKVDelete         = "wd_kv_delete"          // KVKeyRequest → Empty
	FnKVList           = "wd_kv_list"            // KVListRequest → KVListResult
	FnLog              = "wd_log"                // LogRequest → Empty
	FnProgress         = "wd_progress"           // ProgressRequest → Empty
	FnEmit             = "wd_emit"               // EmitRequest → Empty
	FnConfig           = "wd_config"             // Empty → raw config JSON object
	FnNow              = "wd_now"                // Empty → NowResult
	FnSleep            = "wd_sleep"              // SleepRequest → Empty
	FnRunInfo          = "wd_run_info"           // Empty → RunInfo
	// FnDriveUploadMany uploads many host files, several at a time.
	FnDriveUploadMany = "wd_drive_upload_many" // UploadManyRequest → UploadManyResult
)

// Functions lists every host function name, in a stable order.
var Functions = []string{
	FnDriveInfo, FnDriveSpace, FnDriveGet, FnDriveGetByPath, FnDriveList,
	FnDriveSearch, FnDriveMkdir, FnDriveRename, FnDriveMove, FnDriveCopy,
	FnDriveTrash, FnDriveRestore, FnDriveDelete, FnDriveBatch, FnDriveUpload,
	FnDriveDownload, FnDriveDownloadURL, FnDriveRequest, FnShareCreate,
	FnShareList, FnShareCancel, FnLocalList, FnLocalStat, FnLocalSHA1,
	FnKVGet, FnKVPut, FnKVDelete, FnKVList, FnLog, FnProgress, FnEmit,
	FnConfig, FnNow, FnSleep, FnRunInfo, FnDriveUploadMany, FnLocalScan,
}

// Stable error codes carried in Error.Code. Plugins branch on these; they
// never change meaning.
const (
	CodeNotFound         = "not_found"
	CodeAlreadyExists    = "already_exists"
	CodePermissionDenied = "permission_denied"
	CodeRateLimited      = "rate_limited"
	CodeInvalidArgument  = "invalid_argument"
	CodeQuotaExceeded    = "quota_exceeded"
	CodeTimeout          = "timeout"
	CodeInternal         = "internal"
	// CodeUnavailable: the drive or a backend is temporarily unreachable.
	CodeUnavailable = "unavailable"
	// CodeCancelled: the call's context was cancelled (run cancelled).
	CodeCancelled = "cancelled"
	// CodeConflict: a KV compare-and-set revision did not match.
	CodeConflict = "conflict"
	// CodeUnsupported: the account's drive backend cannot do this (e.g.
	// trash restore on the public Open API).
	CodeUnsupported = "unsupported"
)

// Envelope is every host function's answer: {"ok":true,"result":...} or
// {"ok":false,"error":{...}}.
type Envelope struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Error is a host function failure.
type Error struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable,omitempty"`
}

// Error implements error.
func (e *Error) Error() string {
	if e.Retryable {
		return fmt.Sprintf("%s: %s (retryable)", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Limits of the ABI (the host enforces them; requests beyond are
// invalid_argument).
const (
	// MaxRequestBytes is the largest JSON request a host function reads.
	MaxRequestBytes = 4 << 20
	// MaxLogLineBytes caps one log message; longer messages are truncated.
	MaxLogLineBytes = 16 << 10
	// MaxEmitBytes caps one emitted event's data.
	MaxEmitBytes = 1 << 20
	// MaxKVValueBytes caps one KV value.
	MaxKVValueBytes = 1 << 20
	// MaxBatchItems caps one wd_drive_batch call.
	MaxBatchItems = 100000
	// MaxLocalListEntries caps one wd_local_list page.
	MaxLocalListEntries = 10000
	// MaxUploadManyItems caps one wd_drive_upload_many call.
	MaxUploadManyItems = 10000
	// MaxUploadConcurrency caps a wd_drive_upload_many call's concurrency.
	MaxUploadConcurrency = 16
)

// FnCall is an optional fast path used by the Go sdk; plugins in other
// languages can ignore it. Signature: (fn i64, req i64, out i64) -> i64.
// fn is the index of a function in Functions (the order is part of the
// ABI: names are only ever appended); req and out are ptr<<32|len ranges
// of the plugin's own linear memory (exported as "memory") holding the
// JSON request and receiving the envelope. The result is the envelope's
// length n; if n exceeds out's length, nothing was written and the plugin
// fetches the envelope with fn = CallTake and an out range of n bytes.
// A result of CallUnavailable means the host cannot reach the plugin's
// memory: use the standard functions.
const FnCall = "wd_call"

// CallTake and CallUnavailable are FnCall's special values. CallTick is
// the loop-header tick the host inserts into modules that import FnCall
// (see ABI.md, "Interruption"): it returns the fuel for the next ticks, or
// ends the call when its time is up. Plugins never call it themselves.
const (
	CallTake        = 0xFFFF
	CallTick        = 0xFFFE
	CallUnavailable = ^uint64(0)
)

// FunctionIndex returns fn's index in Functions, or -1.
func FunctionIndex(fn string) int {
	for i, f := range Functions {
		if f == fn {
			return i
		}
	}
	return -1
}
