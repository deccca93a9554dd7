package sdk

import "github.com/wasmdrive/wasmdrive/sdk/abi"

// Wire types, re-exported from sdk/abi so plugins import only sdk.
type (
	// File is a file or folder on the drive.
	File = abi.File
	// DriveInfo describes the account and its drives.
	DriveInfo = abi.DriveInfo
	// SpaceInfo is used and total space in bytes.
	SpaceInfo = abi.SpaceInfo
	// ListOptions selects a page of a folder (by ParentFileID or Path) or of the trash.
	ListOptions = abi.ListRequest
	// ListResult is one page of files.
	ListResult = abi.ListResult
	// SearchOptions is a search in the Open API query language.
	SearchOptions = abi.SearchRequest
	// CreateResult answers a folder creation.
	CreateResult = abi.CreateResult
	// MoveResult is the result of a move or copy.
	MoveResult = abi.MoveResult
	// BatchItem is one copy/move/trash/delete of a batch.
	BatchItem = abi.BatchItem
	// BatchItemResult is one batch item's outcome.
	BatchItemResult = abi.BatchItemResult
	// UploadRequest uploads a host file (inside the local read grant).
	UploadRequest = abi.UploadRequest
	// UploadResult is a finished upload.
	UploadResult = abi.UploadResult
	// DownloadRequest downloads a drive file to a host path (inside the local write grant).
	DownloadRequest = abi.DownloadRequest
	// DownloadResult is a finished download.
	DownloadResult = abi.DownloadResult
	// DownloadURL is a time-limited download link.
	DownloadURL = abi.DownloadURL
	// ShareRequest creates a share link.
	ShareRequest = abi.ShareRequest
	// Share is a share link.
	Share = abi.Share
	// ShareList is a page of share links.
	ShareList = abi.ShareList
	// LocalEntry is a host file or folder.
	LocalEntry = abi.LocalEntry
	// LocalListResult is a page of a host folder listing.
	LocalListResult = abi.LocalListResult
	// KVEntry is a KV value with its revision.
	KVEntry = abi.KVEntry
	// RunInfo identifies the running plugin and run.
	RunInfo = abi.RunInfo
)

// Root is the file id of the drive's root folder.
const Root = abi.RootID

// Name conflict modes for uploads, folder creation, renames and moves.
const (
	NameRefuse     = abi.NameRefuse
	NameAutoRename = abi.NameAutoRename
	NameIgnore     = abi.NameIgnore
	NameOverwrite  = abi.NameOverwrite
)
