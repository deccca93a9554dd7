package openapi

import (
	"encoding/json"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Answers that are plain drive types on the wire:
//   - PathDriveInfo answers drive.DriveInfo;
//   - PathGet, PathGetByPath, PathUpdate and PathComplete answer drive.File;
//   - PathGetDownloadURL answers drive.DownloadURL;
//   - PathCreateShare answers drive.Share; PathListShares answers drive.ShareList.

// FileRequest names one file: PathGet, PathTrash, PathDelete, PathRestore.
type FileRequest struct {
	DriveID string `json:"drive_id"`
	FileID  string `json:"file_id"`
}

// GetByPathRequest is the body of PathGetByPath.
type GetByPathRequest struct {
	DriveID  string `json:"drive_id"`
	FilePath string `json:"file_path"` // absolute, "/a/b.txt"
}

// SpaceInfoResponse is the answer of PathSpaceInfo.
type SpaceInfoResponse struct {
	PersonalSpaceInfo drive.SpaceInfo `json:"personal_space_info"`
}

// ListRequest is the body of PathList (and PathListTrash, which ignores
// ParentFileID).
type ListRequest struct {
	DriveID        string `json:"drive_id"`
	ParentFileID   string `json:"parent_file_id"`
	Limit          int    `json:"limit,omitempty"`
	Marker         string `json:"marker,omitempty"`
	OrderBy        string `json:"order_by,omitempty"`        // name, created_at, updated_at, size, name_enhanced
	OrderDirection string `json:"order_direction,omitempty"` // ASC, DESC
	Type           string `json:"type,omitempty"`            // file, folder, all
	Category       string `json:"category,omitempty"`
	Fields         string `json:"fields,omitempty"`
	URLExpireSec   int    `json:"url_expire_sec,omitempty"`
}

// ListResponse is the answer of PathList, PathSearch and PathListTrash.
type ListResponse struct {
	Items      []*drive.File `json:"items"`
	NextMarker string        `json:"next_marker"`
	TotalCount int64         `json:"total_count,omitempty"`
}

// SearchRequest is the body of PathSearch.
type SearchRequest struct {
	DriveID          string `json:"drive_id"`
	Query            string `json:"query"`
	Limit            int    `json:"limit,omitempty"`
	Marker           string `json:"marker,omitempty"`
	OrderBy          string `json:"order_by,omitempty"` // "created_at ASC"
	ReturnTotalCount bool   `json:"return_total_count,omitempty"`
}

// PartInfo is one part of a multipart upload: requested with PartNumber
// (and PartSize on the first item, which fixes the session's part size:
// drive/local otherwise takes DefaultPartSize when that gives as many parts
// as requested, else ceil(size/parts)), answered with the pre-signed
// UploadURL and the part's size.
type PartInfo struct {
	PartNumber        int    `json:"part_number"`
	PartSize          int64  `json:"part_size,omitempty"`
	UploadURL         string `json:"upload_url,omitempty"`
	InternalUploadURL string `json:"internal_upload_url,omitempty"`
	ContentType       string `json:"content_type,omitempty"`
}

// CreateRequest is the body of PathCreate, for a folder (Type "folder") or
// the start of a file upload (Type "file"; pre_hash, or content_hash +
// proof_code for a rapid upload, or neither).
type CreateRequest struct {
	DriveID         string              `json:"drive_id"`
	ParentFileID    string              `json:"parent_file_id"`
	Name            string              `json:"name"`
	Type            string              `json:"type"`
	CheckNameMode   drive.CheckNameMode `json:"check_name_mode,omitempty"`
	Size            int64               `json:"size,omitempty"`
	PartInfoList    []PartInfo          `json:"part_info_list,omitempty"`
	PreHash         string              `json:"pre_hash,omitempty"`
	ContentHash     string              `json:"content_hash,omitempty"`
	ContentHashName string              `json:"content_hash_name,omitempty"`
	ProofCode       string              `json:"proof_code,omitempty"`
	ProofVersion    string              `json:"proof_version,omitempty"`
	LocalCreatedAt  *Time               `json:"local_created_at,omitempty"`  // TimeLayout
	LocalModifiedAt *Time               `json:"local_modified_at,omitempty"` // TimeLayout
}

// CreateResponse is the answer of PathCreate.
type CreateResponse struct {
	DriveID      string     `json:"drive_id"`
	FileID       string     `json:"file_id"`
	Status       string     `json:"status,omitempty"`
	ParentFileID string     `json:"parent_file_id"`
	UploadID     string     `json:"upload_id,omitempty"`
	FileName     string     `json:"file_name"`
	Available    bool       `json:"available,omitempty"`
	Exist        bool       `json:"exist"`
	RapidUpload  bool       `json:"rapid_upload"`
	PartInfoList []PartInfo `json:"part_info_list,omitempty"`
}

// UpdateRequest is the body of PathUpdate; absent fields are left alone.
type UpdateRequest struct {
	DriveID       string              `json:"drive_id"`
	FileID        string              `json:"file_id"`
	Name          string              `json:"name,omitempty"`
	CheckNameMode drive.CheckNameMode `json:"check_name_mode,omitempty"`
	Starred       *bool               `json:"starred,omitempty"`
}

// MoveRequest is the body of PathMove (and of a BatchURLMove sub-request).
type MoveRequest struct {
	DriveID        string              `json:"drive_id"`
	FileID         string              `json:"file_id"`
	ToDriveID      string              `json:"to_drive_id,omitempty"`
	ToParentFileID string              `json:"to_parent_file_id"`
	CheckNameMode  drive.CheckNameMode `json:"check_name_mode,omitempty"` // default refuse
	NewName        string              `json:"new_name,omitempty"`
}

// MoveResponse is the answer of PathMove.
type MoveResponse struct {
	DriveID     string `json:"drive_id"`
	FileID      string `json:"file_id"`
	AsyncTaskID string `json:"async_task_id,omitempty"`
	Exist       bool   `json:"exist"`
}

// CopyRequest is the body of PathCopy (and of a BatchURLCopy sub-request).
// NewName and CheckNameMode are drive/local extensions.
type CopyRequest struct {
	DriveID        string              `json:"drive_id"`
	FileID         string              `json:"file_id"`
	ToDriveID      string              `json:"to_drive_id,omitempty"`
	ToParentFileID string              `json:"to_parent_file_id"`
	AutoRename     bool                `json:"auto_rename,omitempty"`
	NewName        string              `json:"new_name,omitempty"`
	CheckNameMode  drive.CheckNameMode `json:"check_name_mode,omitempty"`
}

// CopyResponse is the answer of PathCopy.
type CopyResponse struct {
	DriveID     string `json:"drive_id"`
	FileID      string `json:"file_id"`
	AsyncTaskID string `json:"async_task_id,omitempty"`
}

// AsyncTaskResponse is the answer of PathTrash, PathDelete (and, when
// asynchronous, of PathCopy): the file and an optional async task id.
type AsyncTaskResponse struct {
	DriveID     string `json:"drive_id"`
	FileID      string `json:"file_id"`
	AsyncTaskID string `json:"async_task_id,omitempty"`
}

// UploadURLRequest is the body of PathGetUploadURL.
type UploadURLRequest struct {
	DriveID      string     `json:"drive_id"`
	FileID       string     `json:"file_id"`
	UploadID     string     `json:"upload_id"`
	PartInfoList []PartInfo `json:"part_info_list"`
}

// UploadURLResponse is the answer of PathGetUploadURL.
type UploadURLResponse struct {
	DriveID      string     `json:"drive_id"`
	FileID       string     `json:"file_id"`
	UploadID     string     `json:"upload_id"`
	CreatedAt    time.Time  `json:"created_at"`
	PartInfoList []PartInfo `json:"part_info_list"`
}

// ListUploadedPartsRequest is the body of PathListUploadedParts.
type ListUploadedPartsRequest struct {
	DriveID          string `json:"drive_id"`
	FileID           string `json:"file_id"`
	UploadID         string `json:"upload_id"`
	PartNumberMarker string `json:"part_number_marker,omitempty"`
}

// UploadedPart is one part the server holds.
type UploadedPart struct {
	PartNumber int    `json:"part_number"`
	ETag       string `json:"etag"`
	PartSize   int64  `json:"part_size"`
}

// ListUploadedPartsResponse is the answer of PathListUploadedParts.
type ListUploadedPartsResponse struct {
	DriveID              string         `json:"drive_id"`
	UploadID             string         `json:"upload_id"`
	ParallelUpload       bool           `json:"parallelUpload"`
	UploadedParts        []UploadedPart `json:"uploaded_parts"`
	NextPartNumberMarker string         `json:"next_part_number_marker"`
}

// CompleteRequest is the body of PathComplete.
type CompleteRequest struct {
	DriveID  string `json:"drive_id"`
	FileID   string `json:"file_id"`
	UploadID string `json:"upload_id"`
}

// DownloadURLRequest is the body of PathGetDownloadURL.
type DownloadURLRequest struct {
	DriveID   string `json:"drive_id"`
	FileID    string `json:"file_id"`
	ExpireSec int    `json:"expire_sec,omitempty"`
}

// CreateShareRequest is the body of PathCreateShare. Unlike every other
// request its fields are camelCase. Expiration is RFC 3339, or "" for a
// permanent link; SharePwd is 0–64 characters ("" for none).
type CreateShareRequest struct {
	DriveID     string   `json:"driveId"`
	FileIDList  []string `json:"fileIdList"`
	Expiration  string   `json:"expiration,omitempty"`
	SharePwd    string   `json:"sharePwd,omitempty"`
	Description string   `json:"description,omitempty"`
}

// ShareListRequest is the body of PathListShares.
type ShareListRequest struct {
	Limit           int    `json:"limit,omitempty"`
	Marker          string `json:"marker,omitempty"`
	IncludeCanceled bool   `json:"include_canceled,omitempty"`
}

// ShareCancelRequest is the body of PathCancelShare (and BatchURLCancel).
type ShareCancelRequest struct {
	ShareID string `json:"share_id"`
}

// BatchRequest is the body of PathBatch: at most MaxBatch sub-requests.
type BatchRequest struct {
	Resource string         `json:"resource"` // "file"
	Requests []BatchSubJSON `json:"requests"`
}

// BatchSubJSON is one sub-request of a batch. Body is the JSON body the
// single call at URL would take (MoveRequest for BatchURLMove, ...).
type BatchSubJSON struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"` // "POST"
	URL     string            `json:"url"`    // BatchURL*
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body"`
}

// BatchResponse is the answer of PathBatch (HTTP 200 unless the batch as a
// whole is refused).
type BatchResponse struct {
	Responses []BatchSubResponse `json:"responses"`
}

// BatchSubResponse is the outcome of one sub-request: Status 200/201/204 on
// success (Body as the single call answers), 404/409/400... on failure with
// Body an ErrorBody.
type BatchSubResponse struct {
	ID     string          `json:"id"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body,omitempty"`
}

// AccessTokenRequest is the body of PathAccessToken.
type AccessTokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"` // optional with PKCE
	GrantType    string `json:"grant_type"`              // GrantAuthCode or GrantRefreshToken
	Code         string `json:"code,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	CodeVerifier string `json:"code_verifier,omitempty"`
}

// TokenResponse is the answer of PathAccessToken. The refresh token is
// single-use: every exchange returns a new one.
type TokenResponse struct {
	TokenType    string `json:"token_type"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"` // seconds
}

// AsyncTaskRequest is the body of PathAsyncTask.
type AsyncTaskRequest struct {
	AsyncTaskID string `json:"async_task_id"`
}

// AsyncTaskStatus is the answer of PathAsyncTask: State is "Succeed",
// "Running" or "Failed".
type AsyncTaskStatus struct {
	State       string `json:"state"`
	AsyncTaskID string `json:"async_task_id"`
}
