package abi

import "time"

// The structs in this file mirror the host's drive package by JSON shape.
// Keep the tags identical to drive/drive.go.

// RootID is the file id of a drive's root folder.
const RootID = "root"

// File types.
const (
	TypeFile   = "file"
	TypeFolder = "folder"
)

// File is a file or folder on a drive (drive.File).
type File struct {
	DriveID         string    `json:"drive_id"`
	FileID          string    `json:"file_id"`
	ParentFileID    string    `json:"parent_file_id"`
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	Size            int64     `json:"size"`
	ContentHash     string    `json:"content_hash,omitempty"`
	ContentHashName string    `json:"content_hash_name,omitempty"`
	Category        string    `json:"category,omitempty"`
	FileExtension   string    `json:"file_extension,omitempty"`
	Status          string    `json:"status,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Trashed         bool      `json:"trashed,omitempty"`
	Starred         bool      `json:"starred,omitempty"`
	URL             string    `json:"url,omitempty"`
	Path            string    `json:"path,omitempty"`
}

// IsFolder reports whether f is a folder.
func (f *File) IsFolder() bool { return f.Type == TypeFolder }

// DriveInfo describes the account and its drives (drive.DriveInfo).
type DriveInfo struct {
	UserID          string `json:"user_id"`
	Name            string `json:"name"`
	DefaultDriveID  string `json:"default_drive_id"`
	ResourceDriveID string `json:"resource_drive_id,omitempty"`
	BackupDriveID   string `json:"backup_drive_id,omitempty"`
}

// SpaceInfo is the used and total space in bytes (drive.SpaceInfo).
type SpaceInfo struct {
	UsedSize  int64 `json:"used_size"`
	TotalSize int64 `json:"total_size"`
}

// Name modes (drive.CheckNameMode).
const (
	NameRefuse     = "refuse"
	NameAutoRename = "auto_rename"
	NameIgnore     = "ignore"
	NameOverwrite  = "overwrite"
)

// ListResult is one page of files (drive.ListResult).
type ListResult struct {
	Items      []*File `json:"items"`
	NextMarker string  `json:"next_marker"`
	TotalCount int64   `json:"total_count,omitempty"`
}

// CreateResult answers a folder creation (drive.CreateResult).
type CreateResult struct {
	File  *File `json:"file"`
	Exist bool  `json:"exist"`
}

// MoveResult is the result of a move or copy (drive.MoveResult).
type MoveResult struct {
	FileID string `json:"file_id"`
	Exist  bool   `json:"exist,omitempty"`
}

// Batch operations (drive.BatchOp).
const (
	OpCopy   = "copy"
	OpMove   = "move"
	OpTrash  = "trash"
	OpDelete = "delete"
)

// BatchItem is one item of a batch (drive.BatchRequest).
type BatchItem struct {
	ID            string `json:"id,omitempty"`
	Op            string `json:"op"`
	FileID        string `json:"file_id"`
	ToParentID    string `json:"to_parent_file_id,omitempty"`
	NewName       string `json:"new_name,omitempty"`
	CheckNameMode string `json:"check_name_mode,omitempty"`
}

// BatchItemResult is the outcome of one batch item (drive.BatchResult). Its
// Error is a drive API error (Open API code), not an Envelope error; Code is
// the stable ABI code derived from it.
type BatchItemResult struct {
	ID     string      `json:"id"`
	Status int         `json:"status"`
	FileID string      `json:"file_id,omitempty"`
	Error  *DriveError `json:"error,omitempty"`
	Code   string      `json:"code,omitempty"`
}

// DriveError is a drive API error (drive.Error's JSON form).
type DriveError struct {
	Status    int    `json:"status,omitempty"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId,omitempty"`
}

// UploadResult is a finished upload (drive.UploadResult).
type UploadResult struct {
	File        *File `json:"file"`
	RapidUpload bool  `json:"rapid_upload"`
	BytesSent   int64 `json:"bytes_sent"`
	Resumed     bool  `json:"resumed,omitempty"`
}

// DownloadURL is a time-limited download link (drive.DownloadURL).
type DownloadURL struct {
	URL         string    `json:"url"`
	Expiration  time.Time `json:"expiration"`
	Method      string    `json:"method"`
	Size        int64     `json:"size"`
	ContentHash string    `json:"content_hash,omitempty"`
	// Streams are the parts of a live photo (.livp) by format ("heic",
	// "jpeg", "mov"), answered instead of one url; URL is then the still
	// image's and Size 0 (unknown).
	Streams map[string]string `json:"streams_url,omitempty"`
}

// Share is a share link (drive.Share).
type Share struct {
	ShareID     string    `json:"share_id"`
	ShareURL    string    `json:"share_url"`
	Password    string    `json:"share_pwd,omitempty"`
	FileIDs     []string  `json:"file_id_list"`
	Expiration  time.Time `json:"expiration,omitempty"`
	Expired     bool      `json:"expired"`
	Status      string    `json:"status"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// ShareList is a page of shares (drive.ShareList).
type ShareList struct {
	Items      []*Share `json:"items"`
	NextMarker string   `json:"next_marker"`
}
